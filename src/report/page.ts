/**
 * The HTML shell of the report: one self-contained file (inline CSS and SVG, system fonts, no
 * scripts) that opens offline from a laptop, an S3 console download or a CI artifact. A
 * Content-Security-Policy forbids scripts and every network fetch, a second guard behind the
 * escaping of untrusted text.
 */
import { Child, el, fragment, Markup, raw } from './svg';

export interface Section {
  id: string;
  title: string;
  body: Child;
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1d1d1f; background: #f6f7f9; }
header { background: #1f2a37; color: #fff; padding: 18px 32px; }
header h1 { margin: 0; font-size: 22px; font-weight: 600; }
header .sub { color: #c9d1db; font-size: 13px; margin-top: 4px; }
nav { background: #fff; border-bottom: 1px solid #e1e4e8; padding: 8px 32px; position: sticky; top: 0; z-index: 1; }
nav a { color: #0b5cad; text-decoration: none; margin-right: 18px; font-size: 13px; }
main { padding: 8px 32px 48px; }
section { background: #fff; border: 1px solid #e1e4e8; border-radius: 8px; margin: 18px 0; padding: 16px 20px; }
section h2 { margin: 0 0 12px; font-size: 17px; font-weight: 600; }
p.hint { color: #57606a; font-size: 12.5px; margin: 4px 0 10px; }
.notes { background: #fff8e1; border-color: #f0d68a; }
.notes ul { margin: 0; padding-left: 20px; }
.notes li { margin: 2px 0; font-size: 13px; }
.note { color: #8a6d00; font-style: italic; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px; }
.card { border: 1px solid #e1e4e8; border-radius: 6px; padding: 10px 12px; background: #fbfcfd; }
.card .label { color: #57606a; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 18px; font-weight: 600; margin-top: 2px; overflow-wrap: anywhere; }
.card .detail { color: #57606a; font-size: 12.5px; margin-top: 2px; overflow-wrap: anywhere; }
.scroll { overflow: auto; max-width: 100%; }
.tall { max-height: 900px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 5px 10px; border-bottom: 1px solid #eaecef; text-align: left; vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
tr.best { background: #eaf6ec !important; font-weight: 600; }
td code, .op { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
.status { display: inline-block; padding: 0 8px; border-radius: 9px; font-size: 11.5px; font-weight: 600; }
.status-completed, .status-stopped { background: #dcf3e1; color: #1a7f37; }
.status-running { background: #ddeafd; color: #0b5cad; }
.status-diverged, .status-failed { background: #fde2e1; color: #b42318; }
.status-untrained { background: #eeeeee; color: #555; }
.row { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
.figure { min-width: 0; }
.figure h3 { margin: 0 0 6px; font-size: 14px; font-weight: 600; }
.key { display: inline-block; width: 12px; height: 12px; border-radius: 3px; vertical-align: -1px; margin: 0 4px 0 12px; border: 3px solid; }
details summary { cursor: pointer; color: #0b5cad; }
pre { background: #f6f8fa; padding: 10px; border-radius: 6px; overflow: auto; font-size: 12px; }
footer { color: #8b949e; font-size: 12px; padding: 0 32px 24px; }
`;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

export function renderPage(o: {
  title: string;
  subtitle: string;
  notes: readonly string[];
  sections: readonly Section[];
  footer: string;
}): string {
  const notes =
    o.notes.length === 0
      ? null
      : el(
          'section',
          { class: 'notes', id: 'notes' },
          el('h2', {}, `Notes (${o.notes.length})`),
          el(
            'ul',
            {},
            o.notes.map((n) => el('li', {}, n)),
          ),
        );
  const page = el(
    'html',
    { lang: 'en' },
    el(
      'head',
      {},
      el('meta', { charset: 'utf-8' }),
      el('meta', { 'http-equiv': 'Content-Security-Policy', content: CSP }),
      el('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
      el('title', {}, o.title),
      el('style', {}, raw(CSS)),
    ),
    el(
      'body',
      {},
      el('header', {}, el('h1', {}, o.title), el('div', { class: 'sub' }, o.subtitle)),
      el(
        'nav',
        {},
        o.notes.length > 0 && el('a', { href: '#notes' }, 'Notes'),
        o.sections.map((s) => el('a', { href: `#${s.id}` }, s.title)),
      ),
      el(
        'main',
        {},
        notes,
        o.sections.map((s) => el('section', { id: s.id }, el('h2', {}, s.title), s.body)),
      ),
      el('footer', {}, o.footer),
    ),
  );
  return `<!DOCTYPE html>\n${page.text}\n`;
}

/** A section body, or — when drawing it threw — a note in its place; one bad file never costs the page. */
export function guarded(draw: () => Child): Child {
  try {
    return draw();
  } catch (e) {
    return el(
      'p',
      { class: 'note' },
      `This part could not be drawn: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

export function card(label: string, value: Child, detail?: Child): Markup {
  return el(
    'div',
    { class: 'card' },
    el('div', { class: 'label' }, label),
    el('div', { class: 'value' }, value),
    detail && el('div', { class: 'detail' }, detail),
  );
}

export function figure(title: string | null, svg: Child, caption?: string | null): Markup {
  return el(
    'div',
    { class: 'figure' },
    title && el('h3', {}, title),
    caption && el('p', { class: 'hint' }, caption),
    el('div', { class: 'scroll' }, svg),
  );
}

export function hint(...text: Child[]): Markup {
  return el('p', { class: 'hint' }, fragment(...text));
}
