/**
 * A strict XML well-formedness checker for the report's SVG (and its HTML, which netgrow writes
 * as well-formed markup): balanced tags, quoted and unique attributes, no stray `<` or `&`, only
 * the five predefined entities and numeric references, one root. Returns the element tree so
 * tests can look inside.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated, entity-decoded text directly inside this element. */
  text: string;
}

const NAME = /[A-Za-z_:][A-Za-z0-9_:.-]*/y;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    const line = src.slice(0, i).split('\n').length;
    throw new Error(
      `not well-formed XML at line ${line} (offset ${i}): ${why}: …${src.slice(Math.max(0, i - 40), i + 40)}…`,
    );
  };
  const decode = (text: string): string =>
    text.replace(/&([^;&<]*);?/g, (m, body: string) => {
      if (!m.endsWith(';')) fail(`'&' that starts no entity`);
      if (body.startsWith('#x')) return String.fromCodePoint(parseInt(body.slice(2), 16));
      if (body.startsWith('#')) return String.fromCodePoint(parseInt(body.slice(1), 10));
      if (!(body in ENTITIES)) fail(`unknown entity &${body};`);
      return ENTITIES[body];
    });
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  /** Index just past the next `token`, or a failure naming what was left open. */
  const past = (token: string, what: string): number => {
    const at = src.indexOf(token, i);
    return at < 0 ? fail(`unclosed ${what}`) : at + token.length;
  };
  const skipSpace = (): void => {
    while (/\s/.test(src[i] ?? '')) i++;
  };
  const skipMisc = (): void => {
    for (;;) {
      skipSpace();
      if (src.startsWith('<?', i)) i = past('?>', 'processing instruction');
      else if (src.startsWith('<!--', i)) i = past('-->', 'comment');
      else if (/^<!DOCTYPE/i.test(src.slice(i, i + 9))) i = past('>', 'DOCTYPE');
      else return;
    }
  };
  const element = (): XmlElement => {
    if (src[i] !== '<') fail("expected '<'");
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      skipSpace();
      if (src.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('attributes must be separated by spaces');
      const key = name();
      skipSpace();
      if (src[i] !== '=') fail(`attribute ${key} has no value`);
      i++;
      skipSpace();
      const q = src[i];
      if (q !== '"' && q !== "'") fail(`attribute ${key} is not quoted`);
      const end = src.indexOf(q, i + 1);
      if (end < 0) fail(`attribute ${key} is not closed`);
      const value = src.slice(i + 1, end);
      if (value.includes('<')) fail(`'<' inside attribute ${key}`);
      if (key in el.attrs) fail(`attribute ${key} appears twice`);
      el.attrs[key] = decode(value);
      i = end + 1;
    }
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt < 0) fail(`<${el.name}> is never closed`);
      const text = src.slice(i, lt);
      if (text.includes('>') && el.name !== 'style') fail("raw '>' in text");
      el.text += decode(text);
      i = lt;
      if (src.startsWith('</', i)) {
        i += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        skipSpace();
        if (src[i] !== '>') fail('bad closing tag');
        i++;
        return el;
      }
      if (src.startsWith('<!--', i)) {
        i = past('-->', 'comment');
        continue;
      }
      if (src.startsWith('<![CDATA[', i)) {
        const end = src.indexOf(']]>', i);
        if (end < 0) fail('unclosed CDATA');
        el.text += src.slice(i + 9, end);
        i = end + 3;
        continue;
      }
      el.children.push(element());
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== src.length) fail('content after the root element');
  return root;
}

/** Every element in document order. */
export function allElements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(allElements)];
}

/** The full text content of an element and its descendants. */
export function textContent(e: XmlElement): string {
  return e.text + e.children.map(textContent).join('');
}
