/**
 * A tiny markup toolkit for the report's SVG and HTML. Text is untrusted (candidate ids,
 * command text and config values come from files anyone could have edited), so every string
 * child and attribute value is escaped here; only `Markup` — produced by `el` or `raw` — is
 * emitted verbatim. Forgetting to escape therefore takes an explicit `raw(...)`.
 */

export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type Child = Markup | string | number | null | undefined | false | readonly Child[];
export type AttrValue = string | number | boolean | null | undefined;

// XML 1.0 forbids most C0 controls, lone surrogates and U+FFFE/U+FFFF even when escaped;
// matching those control characters is the point of this pattern.
const NOT_XML_CHAR =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for XML/HTML element content and double- or single-quoted attributes. */
export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML_CHAR, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Trusted markup, emitted as is (for the few constants that contain tags). */
export function raw(text: string): Markup {
  return new Markup(text);
}

/** A coordinate or length, rounded to 0.1 so the output is short and stable across platforms. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return '0';
  const r = Math.round(x * 10) / 10;
  return String(Object.is(r, -0) ? 0 : r);
}

function renderChild(c: Child): string {
  if (c === null || c === undefined || c === false) return '';
  if (c instanceof Markup) return c.text;
  if (typeof c === 'number') return escapeXml(num(c));
  if (typeof c === 'string') return escapeXml(c);
  return c.map(renderChild).join('');
}

// HTML reads `<div/>` as an open tag, so only void HTML elements and SVG shapes (always inside
// <svg>, where self-closing is honoured) may close themselves; everything else gets `</tag>`.
const SELF_CLOSING = new Set([
  'meta',
  'link',
  'br',
  'hr',
  'img',
  'col',
  'wbr',
  'rect',
  'line',
  'circle',
  'ellipse',
  'path',
  'polyline',
  'polygon',
  'stop',
]);

const NAME = /^[A-Za-z_][A-Za-z0-9_:.-]*$/;

/** `<tag attrs>children</tag>`; attributes that are null/undefined/false are left out. */
export function el(tag: string, attrs: Record<string, AttrValue> = {}, ...children: Child[]): Markup {
  if (!NAME.test(tag)) throw new Error(`report markup: '${tag}' is not a valid element name`);
  let open = `<${tag}`;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (!NAME.test(k)) throw new Error(`report markup: '${k}' is not a valid attribute name`);
    const value = v === true ? k : typeof v === 'number' ? num(v) : v;
    open += ` ${k}="${escapeXml(value)}"`;
  }
  const body = renderChild(children);
  return new Markup(body === '' && SELF_CLOSING.has(tag) ? `${open}/>` : `${open}>${body}</${tag}>`);
}

/** Several children as one piece of markup. */
export function fragment(...children: Child[]): Markup {
  return new Markup(renderChild(children));
}

/** A standalone SVG document (also valid inline in HTML). */
export function svgDocument(width: number, height: number, ...children: Child[]): Markup {
  return el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      width: Math.ceil(width),
      height: Math.ceil(height),
      viewBox: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`,
      'font-family': 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif',
    },
    ...children,
  );
}

/**
 * Width of `text` in a proportional sans-serif at `size` px, estimated per character class.
 * SVG has no text measurement without a browser; this errs on the wide side so that
 * truncated labels never overflow their boxes.
 */
export function textWidth(text: string, size: number): number {
  let w = 0;
  for (const ch of text) {
    if ("il.,:;|!'`".includes(ch)) w += 0.3;
    else if ('fjrt()[] '.includes(ch)) w += 0.38;
    else if ('mwMW@%'.includes(ch)) w += 0.9;
    else if (/[A-Z]/.test(ch)) w += 0.7;
    else if (ch.charCodeAt(0) > 0x2000)
      w += 1; // symbols and CJK: assume a full em
    else w += 0.58;
  }
  return w * size;
}

/** `text`, shortened with an ellipsis to fit `maxWidth` at `size` px. */
export function truncate(text: string, maxWidth: number, size: number): string {
  if (textWidth(text, size) <= maxWidth) return text;
  const chars = [...text];
  while (chars.length > 0 && textWidth(chars.join('') + '…', size) > maxWidth) chars.pop();
  return chars.join('') + '…';
}

/**
 * Splits `text` into at most `maxLines` lines that fit `maxWidth`, breaking at spaces and
 * after `;`; the last line is truncated when the text does not fit.
 */
export function wrap(text: string, maxWidth: number, size: number, maxLines: number): string[] {
  const words = text.split(/(?<=;)\s*|\s+/).filter((w) => w !== '');
  const lines: string[] = [];
  let cur = '';
  let i = 0;
  for (; i < words.length; i++) {
    const next = cur === '' ? words[i] : `${cur} ${words[i]}`;
    if (textWidth(next, size) <= maxWidth || cur === '') {
      cur = next;
      continue;
    }
    lines.push(truncate(cur, maxWidth, size));
    cur = words[i];
    if (lines.length === maxLines - 1) break;
  }
  const rest = [cur, ...words.slice(i + 1)].filter((w) => w !== '').join(' ');
  if (rest !== '') lines.push(truncate(rest, maxWidth, size));
  return lines.slice(0, maxLines);
}
