import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  el,
  escapeXml,
  fragment,
  num,
  raw,
  svgDocument,
  textWidth,
  truncate,
  wrap,
} from '../../src/report/svg';
import { allElements, parseXml, textContent } from './xml';

describe('markup toolkit', () => {
  test('escapes the five XML specials and replaces characters XML cannot hold', () => {
    assert.equal(
      escapeXml(`<a href="x">Tom & 'Jerry'</a>`),
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;',
    );
    assert.equal(escapeXml('bell\u0007 lone\uD800 ok\tnl\n'), 'bell\uFFFD lone\uFFFD ok\tnl\n');
    assert.equal(escapeXml('emoji 🧠 stays'), 'emoji 🧠 stays');
  });

  test('string children and attribute values are escaped; only Markup passes through', () => {
    const hostile = '<script>alert("x")</script>';
    const m = el('g', { 'data-id': hostile }, hostile, el('title', {}, hostile), raw('<desc>trusted</desc>'));
    assert.doesNotMatch(m.text, /<script/);
    const root = parseXml(m.text);
    assert.equal(root.attrs['data-id'], hostile);
    assert.equal(root.text, hostile);
    assert.equal(textContent(root.children[0]), hostile);
    assert.equal(root.children[1].name, 'desc');
  });

  test('null, undefined and false are left out; true is a boolean attribute; arrays flatten', () => {
    const m = el('rect', { x: 1.26, y: undefined, hidden: true, open: false, id: null });
    assert.equal(m.text, '<rect x="1.3" hidden="hidden"/>');
    assert.equal(fragment(['a', null, ['b', false, 3]]).text, 'ab3');
  });

  test('empty HTML elements get a closing tag (HTML reads <div/> as an open tag), shapes and void elements close themselves', () => {
    assert.equal(el('div', { class: 'x' }).text, '<div class="x"></div>');
    assert.equal(el('td', {}, '').text, '<td></td>');
    assert.equal(el('meta', { charset: 'utf-8' }).text, '<meta charset="utf-8"/>');
    assert.equal(el('path', { d: 'M0,0' }).text, '<path d="M0,0"/>');
  });

  test('refuses element and attribute names that would inject markup', () => {
    assert.throws(() => el('g onload=x', {}), /not a valid element name/);
    assert.throws(() => el('g', { 'x"><script': '1' }), /not a valid attribute name/);
  });

  test('num rounds to 0.1, drops -0 and never prints NaN', () => {
    assert.deepEqual(
      [num(1.04), num(-0.04), num(12.35), num(NaN), num(Infinity), num(3)],
      ['1', '0', '12.4', '0', '0', '3'],
    );
  });

  test('svgDocument is a standalone, well-formed SVG with integer size', () => {
    const doc = svgDocument(100.2, 50, el('text', { x: 1, y: 2 }, 'a < b'));
    const root = parseXml(doc.text);
    assert.equal(root.name, 'svg');
    assert.equal(root.attrs.xmlns, 'http://www.w3.org/2000/svg');
    assert.equal(root.attrs.width, '101');
    assert.equal(root.attrs.viewBox, '0 0 101 50');
    assert.equal(allElements(root).length, 2);
  });

  test('text width grows with length and with wide letters; truncate fits the width with an ellipsis', () => {
    assert.ok(textWidth('mmmm', 12) > textWidth('iiii', 12));
    assert.ok(textWidth('conv2', 12) < textWidth('conv2_deep1', 12));
    assert.equal(truncate('short', 100, 12), 'short');
    const t = truncate('a_very_long_candidate_identifier', 80, 12);
    assert.ok(t.endsWith('…'));
    assert.ok(textWidth(t, 12) <= 80, t);
  });

  test('wrap breaks commands at "; " and spaces, within the width and line count', () => {
    assert.deepEqual(wrap('deeper conv2; wider fc1 x2', 90, 10, 2), ['deeper conv2;', 'wider fc1 x2']);
    const lines = wrap('one two three four five six seven eight nine ten eleven twelve', 60, 10, 2);
    assert.equal(lines.length, 2);
    assert.ok(lines[1].endsWith('…'));
    for (const l of lines) assert.ok(textWidth(l, 10) <= 60, l);
    assert.deepEqual(wrap('', 60, 10, 2), []);
    const long = wrap('supercalifragilisticexpialidocious next', 50, 10, 2);
    for (const l of long) assert.ok(textWidth(l, 10) <= 50, l);
  });
});
