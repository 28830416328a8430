import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formatCount,
  formatDuration,
  formatMetric,
  formatPercent,
  formatShape,
  formatTime,
  htmlTable,
} from '../../src/report/format';
import { el } from '../../src/report/svg';
import { parseXml } from './xml';

describe('formatting', () => {
  test('counts read as people write parameter counts', () => {
    assert.deepEqual([0, 999, 1234, 36928, 1_610_000, 3.35e6, 2.5e9, null].map(formatCount), [
      '0',
      '999',
      '1.23k',
      '36.9k',
      '1.61M',
      '3.35M',
      '2.5G',
      '—',
    ]);
  });

  test('percentages and metrics spell out missing, NaN and infinite values', () => {
    assert.equal(formatPercent(0.87456), '87.46%');
    assert.equal(formatPercent(1, 1), '100.0%');
    assert.deepEqual(
      [null, NaN, Infinity].map((x) => formatPercent(x)),
      ['—', 'NaN', '∞'],
    );
    assert.deepEqual([0.123456, NaN, -Infinity, undefined].map(formatMetric), ['0.1235', 'NaN', '−∞', '—']);
  });

  test('durations from seconds to days', () => {
    assert.deepEqual(
      [4.25, 65, 3600 * 4 + 12 * 60, 86400 * 2 + 3600 * 3 + 59, -1, null].map(formatDuration),
      ['4.3s', '1m 05s', '4h 12m', '2d 3h', '—', '—'],
    );
  });

  test('shapes and timestamps', () => {
    assert.equal(formatShape([14, 14, 64]), '14×14×64');
    assert.equal(formatTime('2025-03-01T08:05:09.123Z'), '2025-03-01 08:05 UTC');
    assert.equal(formatTime('yesterday'), 'yesterday');
    assert.equal(formatTime(null), '—');
  });

  test('a table escapes its cells, aligns numeric columns and marks rows', () => {
    const rows = [
      { id: '<b>c1</b>', acc: 0.9 },
      { id: 'c2', acc: 0.8 },
    ];
    const t = htmlTable(
      [
        { header: 'candidate', cell: (r) => el('code', {}, r.id) },
        {
          header: 'val acc',
          cell: (r) => formatPercent(r.acc),
          numeric: true,
          title: 'validation <accuracy>',
        },
      ],
      rows,
      (r) => (r.id === 'c2' ? 'best' : undefined),
    );
    const root = parseXml(t.text);
    const [thead, tbody] = root.children;
    assert.equal(thead.children[0].children[1].attrs.class, 'num');
    assert.equal(thead.children[0].children[1].attrs.title, 'validation <accuracy>');
    assert.equal(tbody.children.length, 2);
    assert.equal(tbody.children[0].children[0].children[0].text, '<b>c1</b>');
    assert.equal(tbody.children[1].attrs.class, 'best');
    assert.equal(tbody.children[1].children[1].text, '80.00%');
    assert.doesNotMatch(t.text, /<b>/);
  });
});
