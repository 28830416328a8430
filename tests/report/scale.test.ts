import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { metricColor, rampColor, seriesColor, UNKNOWN_FILL } from '../../src/report/color';
import { linearScale, niceDomain, niceStep } from '../../src/report/scale';

describe('scales and colours', () => {
  test('a linear scale maps the domain ends onto the range ends, inverted ranges included', () => {
    const s = linearScale([0, 10], [300, 100]);
    assert.equal(s(0), 300);
    assert.equal(s(10), 100);
    assert.equal(s(5), 200);
    assert.equal(linearScale([2, 2], [0, 50])(2), 25);
  });

  test('nice steps are 1, 2 or 5 times a power of ten', () => {
    assert.equal(niceStep(0, 1, 5), 0.2);
    assert.equal(niceStep(0, 100, 5), 20);
    assert.equal(niceStep(0.76, 0.91, 5), 0.05);
    assert.equal(niceStep(0, 0, 5), 1);
  });

  test('nice domains cover the data with clean tick labels', () => {
    const d = niceDomain(0.76, 0.93, 4);
    assert.deepEqual(d.ticks, [0.75, 0.8, 0.85, 0.9, 0.95]);
    assert.deepEqual(d.domain, [0.75, 0.95]);
    const e = niceDomain(0.7631, 0.9127, 5);
    assert.ok(e.domain[0] <= 0.7631 && e.domain[1] >= 0.9127);
    assert.deepEqual(e.ticks, [0.76, 0.78, 0.8, 0.82, 0.84, 0.86, 0.88, 0.9, 0.92]);
    assert.deepEqual(niceDomain(0.1, 0.3, 2).ticks, [0.1, 0.2, 0.3]); // not 0.30000000000000004
    for (const t of niceDomain(0.1, 0.7, 6).ticks) assert.ok(String(t).length <= 4, String(t));
  });

  test('degenerate and non-finite domains still give an axis', () => {
    const one = niceDomain(0.5, 0.5);
    assert.ok(one.domain[0] < 0.5 && one.domain[1] > 0.5);
    assert.deepEqual(niceDomain(NaN, Infinity).domain, [0, 1]);
    assert.deepEqual(niceDomain(10, 0).domain, [0, 10]);
  });

  test('the accuracy ramp runs red to green, clamps, and greys unknown values', () => {
    assert.equal(rampColor(0), '#f46d43');
    assert.equal(rampColor(1), '#66bd63');
    assert.equal(rampColor(-3), rampColor(0));
    assert.equal(rampColor(NaN), rampColor(0));
    assert.equal(metricColor(null, 0, 1), UNKNOWN_FILL);
    assert.equal(metricColor(0.9, 0.8, 0.9), '#66bd63');
    assert.equal(metricColor(0.5, 0.5, 0.5), '#66bd63');
    assert.notEqual(seriesColor(0), seriesColor(1));
    assert.equal(seriesColor(10), seriesColor(0));
  });
});
