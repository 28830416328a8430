/**
 * The orchestration commands as a user meets them: a bad config is refused before anything
 * starts, with every problem on its own line under its path (exit 2); ids that name nothing
 * are one clear line; and `netgrow grow --plan` runs a text plan to its stage table.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { netgrow, tinyConfig } from './support';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-e2e-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('netgrow search --config: every schema problem with its path, exit 2, nothing started', async () => {
  const bad = [
    'name: Bad Name',
    'seed: -1',
    'dataset: { name: fashion-mnist, limt: 0.1 }',
    'strategy: { kind: ga, population: 0 }',
    'train: { epochs: 0 }',
    'budget: { wallTime: soon }',
    'storage: { uri: "ftp://x" }',
  ].join('\n');
  await writeFile(join(dir, 'bad.yaml'), bad);
  const run = await netgrow(['search', '--config', 'bad.yaml'], { cwd: dir });
  assert.equal(run.code, 2);
  assert.equal(run.stdout, '');
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines[0], 'netgrow: bad.yaml: 7 problems in the search config');
  assert.deepEqual(
    lines.slice(1).map((l) => l.trim().split(':')[0]),
    ['name', 'seed', 'dataset.limt', 'strategy.population', 'train.epochs', 'budget.wallTime', 'storage.uri'],
  );
  assert.match(run.stderr, /dataset\.limt: unknown field \(did you mean `limit`\?/);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
});

test('netgrow search --config: what the schema cannot see is checked too, before anything starts', async () => {
  const config = [
    'name: ok-name',
    'dataset: { name: no-such-data }',
    'start: { arch: ./missing.json }',
    'strategy: { kind: plan, stages: ["deeper conv2", "frobnicate conv1"] }',
  ].join('\n');
  await writeFile(join(dir, 'bad2.yaml'), config);
  const run = await netgrow(['search', '--config', 'bad2.yaml'], { cwd: dir });
  assert.equal(run.code, 2);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines[0], 'netgrow: bad2.yaml: 3 problems in the search config');
  assert.match(lines[1], /^ {2}dataset\.name: unknown dataset 'no-such-data'/);
  assert.equal(lines[2], `  start.arch: no such file ${join(dir, 'missing.json')}`);
  assert.match(lines[3], /^ {2}strategy\.stages\.1: .*unknown operation 'frobnicate'/);
});

test('netgrow search --check: a FLOP limit the start network already exceeds is refused', async () => {
  const config = ['name: ok-name', 'start: { arch: seed-ga }', 'mutation: { maxFlops: 1000 }'].join('\n');
  await writeFile(join(dir, 'flops.yaml'), config);
  const run = await netgrow(['search', '--config', 'flops.yaml', '--check'], { cwd: dir });
  assert.equal(run.code, 2);
  assert.equal(
    run.stderr.trim(),
    'netgrow: flops.yaml: mutation.maxFlops: the start network already has 6.322e+6 forward FLOPs per sample, over the limit 1.000e+3, so no sampled child could be made: raise the limit or start smaller',
  );
});

test('netgrow search --check accepts a valid config; unknown ids and flags are one line', async () => {
  await writeFile(join(dir, 'good.yaml'), stringify(tinyConfig()));
  const check = await netgrow(['search', '--config', 'good.yaml', '--check'], { cwd: dir });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /good\.yaml: valid \(ga on synthetic:8x8x1:256:4c/);
  for (const args of [
    ['status', 'no-such-1'],
    ['resume', 'no-such-1'],
    ['cancel', 'no-such-1'],
    ['report', 'no-such-1'],
  ]) {
    const r = await netgrow(args, { cwd: dir });
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^netgrow: no experiment 'no-such-1' in /);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  const badRole = await netgrow(['worker', '--roles', 'gpu'], { cwd: dir });
  assert.equal(badRole.code, 2);
  assert.equal(
    badRole.stderr.trim(),
    "netgrow: --roles: unknown role 'gpu'; use orchestration, training or both",
  );
});

test('netgrow grow --plan: a text plan, each stage trained, the stage table printed', async () => {
  await writeFile(join(dir, 'plan.txt'), '# seed style\nwider conv1 x2\ndeeper conv2; insert conv1 bn\n');
  await writeFile(
    join(dir, 'base.yaml'),
    stringify({ ...tinyConfig({ name: 'grow' }), strategy: undefined, train: { epochs: 1, batchSize: 32 } }),
  );
  const run = await netgrow(['grow', '--plan', 'plan.txt', '--config', 'base.yaml', '--headless'], {
    cwd: dir,
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^experiment grow-[a-z0-9]+: grow \(plan\)/m);
  assert.match(run.stdout, /grow plan completed: 3 stage\(s\)/);
  assert.match(run.stdout, /stage 1 {2}g1-c0 +val_acc [\d.]+ {2}12,036 params {2}\(wider conv1 x2\)/);
  assert.match(run.stdout, /stage 2 {2}g2-c0 +val_acc [\d.]+ .*\(deeper conv2; insert conv1 bn\)/);
  assert.match(run.stdout, /^report: .*\/report\/index\.html$/m);
});
