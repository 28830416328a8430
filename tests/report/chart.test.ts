import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lineChart, yExtent } from '../../src/report/chart';
import { allElements, parseXml, textContent } from './xml';

const opts = { title: 'Loss', xLabel: 'epoch', yLabel: 'loss', idPrefix: 't', xInteger: true };

describe('line charts', () => {
  test('the y range covers every finite value; with clipOutliers a spike is cut near the bulk', () => {
    assert.deepEqual(yExtent([0.5, NaN, 0.2, Infinity, 0.9], false), [0.2, 0.9]);
    const clipped = yExtent([2.3, 1.1, 0.8, 0.6, 0.5, 0.45, 0.4, 0.38, 0.36, 0.35, 1e6], true)!;
    assert.ok(clipped[1] < 10 && clipped[1] >= 2.3, `upper end ${clipped[1]}`);
    assert.equal(yExtent([NaN], true), null);
  });

  test('one polyline per finite stretch; a NaN breaks the line and is marked with a red ×', () => {
    const svg = lineChart(
      [
        {
          name: 'ok',
          color: '#00f',
          points: [
            [1, 0.9],
            [2, 0.7],
            [3, 0.5],
          ],
        },
        {
          name: 'diverged',
          color: '#f00',
          points: [
            [1, 1],
            [2, 0.8],
            [3, NaN],
            [4, 0.6],
            [5, 0.5],
          ],
          dashed: true,
        },
      ],
      opts,
    ).text;
    const root = parseXml(svg);
    const lines = allElements(root).filter((e) => e.name === 'polyline');
    assert.equal(lines.length, 3);
    assert.equal(lines[1].attrs['stroke-dasharray'], '5 4');
    const marks = allElements(root).filter((e) => e.name === 'text' && e.attrs.fill === '#c00');
    assert.equal(marks.length, 1);
    assert.match(textContent(marks[0]), /diverged · epoch 3: not a finite number/);
    const xTicks = allElements(root)
      .filter(
        (e) => e.name === 'text' && e.attrs['text-anchor'] === 'middle' && e.attrs['font-size'] === '11',
      )
      .map(textContent);
    assert.ok(
      xTicks.every((t) => Number.isInteger(Number(t))),
      `epoch ticks are whole numbers: ${xTicks.join(',')}`,
    );
  });

  test('markers and legend entries appear; a chart without data says so', () => {
    const root = parseXml(
      lineChart(
        [
          {
            name: 'a<b',
            color: '#000',
            points: [
              [1, 0.5],
              [6, 0.9],
            ],
          },
        ],
        { ...opts, markers: [{ x: 3.5, label: '2', title: 'stage 2: wider fc1 x2' }] },
      ).text,
    );
    assert.ok(textContent(root).includes('stage 2: wider fc1 x2'));
    assert.ok(textContent(root).includes('a<b'));
    const empty = parseXml(lineChart([{ name: 'x', color: '#000', points: [] }], opts).text);
    assert.ok(textContent(empty).includes('no data yet'));
  });
});
