/** experiments/lib: the figures over seeds, the noise rule, flags and scales, the results section. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ArgsError,
  compare,
  parseDriverArgs,
  resolveScale,
  scaledBuiltin,
  spread,
  upsertSection,
} from '../../experiments/lib';
import { countParams } from '../../src/graph';
import { tempPlace } from './support';

test('spread: mean, sample std and range; compare: within noise unless beyond 2·SE', () => {
  const a = spread([0.8, 0.82, 0.84]);
  assert.equal(a.n, 3);
  assert.ok(Math.abs(a.mean - 0.82) < 1e-12);
  assert.ok(Math.abs(a.std - 0.02) < 1e-12);
  assert.deepEqual([a.min, a.max], [0.8, 0.84]);
  assert.equal(spread([0.5]).std, 0);
  const far = compare(spread([0.9, 0.91, 0.92]), a);
  assert.ok(!far.withinNoise && Math.abs(far.diff - 0.09) < 1e-12);
  const near = compare(spread([0.81, 0.83, 0.85]), a);
  assert.ok(near.withinNoise, 'a 0.01 shift against std 0.02 is noise');
  assert.ok(compare(spread([0.99]), spread([0.1])).withinNoise, 'one seed a side: nothing is claimed');
});

test('flags: --full picks the full scale, --set overrides by type, mistakes are errors', () => {
  const scaled = { seeds: 3, dataset: 'fashion-mnist', augment: false };
  const full = { seeds: 5, dataset: 'fashion-mnist', augment: true };
  const args = parseDriverArgs(['--full', '--set', 'seeds=2', '--results', 'none'], 'x');
  assert.deepEqual(resolveScale(scaled, full, args), { seeds: 2, dataset: 'fashion-mnist', augment: true });
  assert.equal(args.results, null);
  assert.equal(parseDriverArgs([], 'x').out, 'runs/experiments/x');
  const variant = parseDriverArgs(['--variant', 'lr0.005'], 'x');
  assert.deepEqual([variant.section, variant.out], ['x-lr0.005', 'runs/experiments/x-lr0.005']);
  assert.throws(() => parseDriverArgs(['--variant', 'A B'], 'x'), ArgsError);
  const bad = (argv: string[]) => () => resolveScale(scaled, full, parseDriverArgs(argv, 'x'));
  assert.throws(bad(['--set', 'seed=2']), ArgsError);
  assert.throws(bad(['--set', 'seeds=two']), ArgsError);
  assert.throws(bad(['--set', 'augment=yes']), ArgsError);
  assert.throws(bad(['--bogus']), ArgsError);
});

test('upsertSection appends once, then replaces its own section and nothing else', async (t) => {
  const { results } = await tempPlace('md', t);
  writeFileSync(results, '# Results\n\nhand-written text\n');
  upsertSection(results, 'a', 'A', 'first');
  upsertSection(results, 'b', 'B', 'other');
  upsertSection(results, 'a', 'A', 'second');
  const md = readFileSync(results, 'utf8');
  assert.equal(md.match(/<!-- experiment:a -->/g)?.length, 1);
  assert.ok(md.includes('second') && !md.includes('first'));
  assert.ok(md.indexOf('hand-written text') < md.indexOf('## A') && md.indexOf('## A') < md.indexOf('## B'));
});

test('scaledBuiltin: widths scale, the output layer keeps one unit per class', () => {
  const g = scaledBuiltin('vgg8', { inputShape: [28, 28, 1], numClasses: 10 }, 0.25);
  const convs = g.nodes.filter((n) => n.kind === 'conv2d').map((n) => (n.kind === 'conv2d' ? n.filters : 0));
  const dense = g.nodes.filter((n) => n.kind === 'dense').map((n) => (n.kind === 'dense' ? n.units : 0));
  assert.deepEqual(convs, [16, 16, 32, 32, 64, 64, 64, 64]);
  assert.deepEqual(dense, [512, 256, 10]);
  assert.ok(
    countParams(g) < countParams(scaledBuiltin('vgg8', { inputShape: [28, 28, 1], numClasses: 10 }, 1)),
  );
});

test('a driver given a bad field or dataset says so in one line and exits 2', (t) => {
  const out = join(tmpdir(), `netgrow-exp-bad-${process.pid}`);
  t.after(() => rmSync(out, { recursive: true, force: true }));
  for (const set of ['bogus=1', 'dataset=nope']) {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'experiments/order.ts', '--set', set, '--results', 'none', '--out', out],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^order: /);
  }
});
