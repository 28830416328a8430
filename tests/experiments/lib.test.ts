/** experiments/lib: the figures over seeds, Welch's t-test, flags and scales, the results section. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ArgsError,
  compare,
  compareOne,
  describeComparison,
  parseDriverArgs,
  shellWord,
  resolveScale,
  scaledBuiltin,
  spread,
  studentTwoSided,
  upsertSection,
} from '../../experiments/lib';
import { countParams } from '../../src/graph';
import { tempPlace } from './support';

test("spread: mean, sample std and range; compare: Welch's t-test and the one-value prediction test, p-values as SciPy gives them", () => {
  const a = spread([0.8, 0.82, 0.84]);
  assert.equal(a.n, 3);
  assert.ok(Math.abs(a.mean - 0.82) < 1e-12);
  assert.ok(Math.abs(a.std - 0.02) < 1e-12);
  assert.deepEqual([a.min, a.max], [0.8, 0.84]);
  assert.equal(spread([0.5]).std, 0);
  // Reference figures: scipy.stats.ttest_ind(a, b, equal_var=False) (SciPy 1.17.1).
  const cases: Array<[number[], number[], number, number, number]> = [
    [[0.9, 0.91, 0.92], [0.8, 0.82, 0.84], 6.971370023173366, 2.9411764705882404, 0.006457589202672552],
    [[0.81, 0.83, 0.85], [0.8, 0.82, 0.84], 0.6123724356958031, 4.0, 0.5733922538253505],
    [[0.5, 0.7, 0.61, 0.66], [0.4, 0.45, 0.52], 2.8961224649749195, 4.998891359012879, 0.033952547724917376],
    [
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      [3, 3.5, 2.9, 4.1, 3.3],
      2.1815544262206332,
      9.862774994879945,
      0.05446847244802474,
    ],
  ];
  for (const [xs, ys, t, df, p] of cases) {
    const c = compare(spread(xs), spread(ys));
    assert.ok(Math.abs(c.t! - t) < 1e-9 && Math.abs(c.df! - df) < 1e-9, `t ${c.t} df ${c.df}`);
    assert.ok(Math.abs(c.p! - p) < 1e-9, `p ${c.p} against SciPy's ${p}`);
    assert.equal(c.withinNoise, p >= 0.05);
  }
  // 2·scipy.stats.t.sf(|t|, df) for fractional and large df.
  assert.ok(Math.abs(studentTwoSided(2.5, 1.5) - 0.16980650261469604) < 1e-9);
  assert.ok(Math.abs(studentTwoSided(0.3, 40) - 0.7657307167710191) < 1e-9);
  assert.ok(Math.abs(studentTwoSided(-12, 2) - 0.00687293367715846) < 1e-9);
  const one = compare(spread([0.99]), spread([0.1]));
  assert.ok(one.withinNoise && one.p === null, 'one seed a side: nothing is claimed');
  assert.match(describeComparison('a', 'b', one), /not tested/);
  assert.equal(
    compare(spread([0.5, 0.5]), spread([0.4, 0.4])).p,
    0,
    'no spread and different means: certain',
  );
  // One search against a control's seeds: the prediction test, n − 1 degrees of freedom.
  const q = compareOne(0.864, spread([0.878, 0.88, 0.883]));
  assert.ok(
    Math.abs(q.t! + 5.620685479828752) < 1e-9 && q.df === 2 && Math.abs(q.p! - 0.030225695673593178) < 1e-9,
  );
  assert.match(
    describeComparison('winner', 'lenet', q),
    /^winner − lenet = −0\.0\d{3}: significant at 0\.05 \(t -5\.62, df 2\.0, p = 0\.030\)$/,
  );
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

test('the recorded command quotes what a shell would split: it runs as printed', () => {
  const argv = [
    '--set',
    'grow1=wider conv4 x2; wider conv5 x2',
    '--set',
    "name=it's",
    '--full',
    '--set',
    'lr=0.1',
  ];
  const line = argv.map(shellWord).join(' ');
  assert.equal(
    line,
    `--set 'grow1=wider conv4 x2; wider conv5 x2' --set 'name=it'\\''s' --full --set lr=0.1`,
  );
  const echoed = spawnSync('bash', ['-c', `printf '%s\\n' ${line}`], { encoding: 'utf8' });
  assert.deepEqual(echoed.stdout.split('\n').slice(0, -1), argv);
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
