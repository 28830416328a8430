import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, SearchConfig } from '../../src/search/config';
import { loadSearchConfig, parseSearchConfig } from '../../src/experiment/prepare';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-config-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** The problems of a config that must fail, one `path: message` per entry. */
async function problemsOf(load: Promise<unknown>): Promise<string[]> {
  try {
    await load;
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(
      e.message.split('\n').length,
      e.problems.length === 1 ? 1 : e.problems.length + 1,
      'one problem is one line; several are a header line, then one line per problem',
    );
    return e.problems;
  }
  assert.fail('the config was accepted');
}

describe('search config', () => {
  test('{name, dataset} alone is valid and every other field has its default', async () => {
    const config = await loadSearchConfig(
      await write('min.yaml', 'name: fmnist-ga\ndataset: { name: fashion-mnist }\n'),
    );
    assert.equal(config.name, 'fmnist-ga');
    assert.equal(config.seed, 0);
    assert.deepEqual(config.dataset, {
      name: 'fashion-mnist',
      limit: 1,
      validation: 0.1,
      augment: false,
      preprocess: 'standardize',
    });
    assert.deepEqual(config.start, { arch: 'seed-ga' });
    assert.deepEqual(config.strategy, {
      kind: 'ga',
      population: 4,
      generations: 5,
      selection: 'tournament',
      tournamentSize: 2,
      elite: 1,
      mutations: 1,
    });
    assert.equal(config.train.epochs, 2);
    assert.deepEqual(config.train.optimizer, { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false });
    assert.deepEqual(config.divergence.retries, [{ lrScale: 0.1 }, { clipNorm: 1 }, { batchScale: 0.5 }]);
    assert.deepEqual(config.budget, { candidates: 40, wallTime: null, gpuHours: null });
    assert.deepEqual(config.executor, { kind: 'process', parallelism: 2, gpus: 0 });
    assert.deepEqual(config.storage, { uri: 'file://./runs' });
    assert.deepEqual(config.temporal, {
      address: null,
      namespace: 'default',
      tls: { serverCa: null, clientCert: null, clientKey: null, serverName: null },
    });
    assert.deepEqual(config.distill, { enabled: false, temperature: 4, alpha: 0.5 });
  });

  test('the documented example config parses as written, JSON too', async () => {
    const yaml = [
      'name: fmnist-ga                 # becomes part of the experiment id',
      'seed: 7',
      'dataset: { name: fashion-mnist, limit: 0.1, validation: 0.1, augment: false }',
      'start: { arch: seed-ga }',
      'strategy: { kind: ga, population: 4, generations: 5 }',
      'train: { epochs: 2, batchSize: 64, optimizer: { kind: sgd, lr: 0.05, momentum: 0.9 } }',
      'distill: { enabled: false, temperature: 4, alpha: 0.5 }',
      'divergence: { retries: [ { lrScale: 0.1 }, { clipNorm: 1.0 }, { batchScale: 0.5 } ] }',
      'budget: { candidates: 40, wallTime: 2h }',
      'executor: { kind: process, parallelism: 2 }',
      'storage: { uri: file://./runs }',
      'temporal: { address: null }',
    ].join('\n');
    const fromYaml = await loadSearchConfig(await write('design.yaml', yaml));
    assert.equal(fromYaml.seed, 7);
    assert.equal(fromYaml.budget.wallTime, '2h');
    assert.equal(fromYaml.dataset.limit, 0.1);
    const fromJson = await loadSearchConfig(await write('design.json', JSON.stringify(fromYaml)));
    assert.deepEqual(fromJson, fromYaml);
  });

  test('each strategy and executor kind fills its own defaults', () => {
    const parse = (strategy: unknown, executor: unknown = { kind: 'process' }) =>
      SearchConfig.parse({ name: 'x', dataset: {}, strategy, executor });
    assert.deepEqual(parse({ kind: 'random' }).strategy, {
      kind: 'random',
      population: 4,
      generations: 5,
      maxMutations: 3,
    });
    assert.deepEqual(parse({ kind: 'hill' }).strategy, {
      kind: 'hill',
      population: 1,
      generations: 10,
      mutations: 1,
    });
    const k8s = parse({ kind: 'ga' }, { kind: 'kubernetes' }).executor;
    assert.deepEqual(
      { ...k8s, pod: undefined },
      {
        kind: 'kubernetes',
        parallelism: 4,
        gpus: 1,
        namespace: 'netgrow',
        image: null,
        kubeconfig: null,
        context: null,
        pod: undefined,
        imagePullGrace: '2m',
        unschedulableTimeout: '30m',
        lostNodeTimeout: '5m',
        quotaWaitTimeout: '1h',
        deleteGrace: '30s',
        keepPods: false,
        keptPodTtl: '24h',
      },
    );
    assert.equal(k8s.kind === 'kubernetes' && k8s.pod.serviceAccountName, 'netgrow-trainer');
  });

  test('an unknown field is an error naming the field and the likely one meant', async () => {
    const path = await write(
      'typo.yaml',
      'name: x\ndataset: {}\nstrategy: { kind: ga, populaton: 8 }\nbudjet: {}\n',
    );
    assert.deepEqual(await problemsOf(loadSearchConfig(path)), [
      'strategy.populaton: unknown field (did you mean `population`? known: kind, population, generations, selection, tournamentSize, elite, mutations)',
      'budjet: unknown field (did you mean `budget`? known: name, seed, dataset, start, strategy, train, distill, earlyStop, ranking, scratch, controls, mutation, divergence, oom, stopAfterSameFailures, budget, executor, storage, temporal)',
    ]);
  });

  test('every bad value is reported with its path, all at once', async () => {
    const problems = await problemsOf(
      parseSearchConfig(
        {
          name: 'Fashion GA',
          dataset: { name: 'fashion-mnist', validation: 2 },
          strategy: { kind: 'gaa' },
          train: { optimizer: { kind: 'sgd', lr: 'fast' } },
          divergence: { retries: [{}, { lrScale: 0 }] },
          budget: { candidates: 2.5, wallTime: '2 hours' },
          executor: { kind: 'process', parallelism: 0 },
          storage: { uri: 'http://example.org/runs' },
          temporal: { address: 'localhost' },
        },
        'inline',
      ),
    );
    assert.deepEqual(problems, [
      'name: lowercase letters, digits and "-" only, starting with a letter or digit, received "Fashion GA"',
      'dataset.validation: must be <= 0.9, received 2',
      'strategy.kind: unknown value "gaa"; must be one of "ga", "random", "hill", "plan"',
      'train.optimizer.lr: expected number, received "fast"',
      'divergence.retries.0: give at least one of lrScale, clipNorm, batchScale, received {}',
      'divergence.retries.1.lrScale: must be > 0, received 0',
      'budget.candidates: expected int, received 2.5',
      'budget.wallTime: must be a duration such as 90s, 30m, 2h or 1d12h, received "2 hours"',
      'executor.parallelism: must be >= 1, received 0',
      'storage.uri: must be a file:// or s3:// URI, e.g. file://./runs or s3://bucket/prefix, received "http://example.org/runs"',
      'temporal.address: must be host:port with a port from 1 to 65535, e.g. temporal.example.org:7233, received "localhost"',
    ]);
  });

  test('a missing name says what a name looks like', async () => {
    assert.deepEqual(await problemsOf(parseSearchConfig({ dataset: {} }, 'inline')), [
      'name: required: a short name of lowercase letters, digits and "-", e.g. fmnist-ga',
    ]);
  });

  test('a YAML syntax error gives its line and column', async () => {
    const path = await write('broken.yaml', 'name: x\ndataset: {}\nstrategy: kind: ga\nbudget: {}\n');
    const problems = await problemsOf(loadSearchConfig(path));
    assert.deepEqual(problems, ['line 3, column 11: Nested mappings are not allowed in compact mappings']);
    const dup = await write('dup.yaml', 'name: x\ndataset: {}\nname: y\n');
    assert.match((await problemsOf(loadSearchConfig(dup)))[0], /^line 3, column 1: Map keys must be unique/);
  });

  test('an empty or missing file is a clear error', async () => {
    assert.deepEqual(await problemsOf(loadSearchConfig(await write('empty.yaml', '# nothing\n'))), [
      'the file is empty; a search config needs at least `name` and `dataset`',
    ]);
    assert.deepEqual(await problemsOf(loadSearchConfig(join(dir, 'absent.yaml'))), ['no such file']);
  });

  test('a plan file is read relative to the config into stages', async () => {
    await write(
      'grow.txt',
      '# the seed teacher to a VGG-like net\ndeeper conv2; deeper fc1\n\nwider conv3 x2  # widen\n',
    );
    const config = await loadSearchConfig(
      await write('plan.yaml', 'name: grow\ndataset: {}\nstrategy: { kind: plan, file: grow.txt }\n'),
    );
    assert.equal(config.strategy.kind, 'plan');
    assert.deepEqual(config.strategy.kind === 'plan' && config.strategy.stages, [
      'deeper conv2; deeper fc1',
      'wider conv3 x2',
    ]);
    const inline = await parseSearchConfig(
      { name: 'g', dataset: {}, strategy: { kind: 'plan', stages: ['deeper conv2'] } },
      'x',
    );
    assert.deepEqual(inline.strategy, { kind: 'plan', stages: ['deeper conv2'] });
  });

  test('a plan without stages, with both file and stages, or with an unreadable file is refused', async () => {
    assert.deepEqual(
      await problemsOf(parseSearchConfig({ name: 'g', dataset: {}, strategy: { kind: 'plan' } }, 'x')),
      ['strategy.stages: a plan needs at least one stage; give `stages` (a list of commands) or `file`'],
    );
    const both = {
      name: 'g',
      dataset: {},
      strategy: { kind: 'plan', file: 'a.txt', stages: ['deeper conv2'] },
    };
    assert.match(
      (await problemsOf(parseSearchConfig(both, 'x')))[0],
      /^strategy.stages: give either `file` or `stages`/,
    );
    const missing = { name: 'g', dataset: {}, strategy: { kind: 'plan', file: 'absent.txt' } };
    assert.deepEqual(await problemsOf(parseSearchConfig(missing, 'x', dir)), [
      'strategy.file: cannot read absent.txt (ENOENT)',
    ]);
  });
});

test('mutation.maxFlops: off by default, positive only, and handed to every candidate', async () => {
  const { candidateSettings } = await import('../../src/search/train-spec');
  const plain = SearchConfig.parse({ name: 'x' });
  assert.deepEqual(plain.mutation, { maxFlops: null, init: 'preserve' });
  assert.equal(candidateSettings(plain).mutation, undefined, 'an unlimited search adds nothing');
  const limited = SearchConfig.parse({ name: 'x', mutation: { maxFlops: 5e6 } });
  assert.deepEqual(candidateSettings(limited).mutation, { maxFlops: 5e6, init: 'preserve' });
  const bad = SearchConfig.safeParse({ name: 'x', mutation: { maxFlops: 0 } });
  assert.ok(!bad.success && bad.error.issues[0].path.join('.') === 'mutation.maxFlops');
});

test('mutation.weights and convRatio: named kinds and the ratio handed to every candidate; a set that draws nothing refused', async () => {
  const { candidateSettings } = await import('../../src/search/train-spec');
  const weighted = SearchConfig.parse({ name: 'x', mutation: { weights: { wider: 2, skip: 0 } } });
  assert.deepEqual(candidateSettings(weighted).mutation?.weights, { wider: 2, skip: 0 });
  const none = { deeper: 0, 'deeper-pool': 0, wider: 0, skip: 0, group: 0 };
  const empty = SearchConfig.safeParse({ name: 'x', mutation: { weights: none } });
  assert.ok(!empty.success);
  assert.equal(empty.error.issues[0].path.join('.'), 'mutation.weights');
  assert.match(empty.error.issues[0].message, /no kind that can be drawn/);
  assert.ok(SearchConfig.safeParse({ name: 'x', mutation: { weights: { ...none, kernel: 1 } } }).success);
  const unknown = SearchConfig.safeParse({ name: 'x', mutation: { weights: { widen: 1 } } });
  assert.ok(!unknown.success && unknown.error.issues[0].path.join('.').startsWith('mutation.weights'));
  const negative = SearchConfig.safeParse({ name: 'x', mutation: { weights: { wider: -1 } } });
  assert.ok(!negative.success);
  const ratio = SearchConfig.parse({ name: 'x', mutation: { convRatio: [1.5, 2] } });
  assert.deepEqual(candidateSettings(ratio).mutation?.convRatio, [1.5, 2]);
  for (const convRatio of [[2, 1.5], [1, 2], [1.5]]) {
    const r = SearchConfig.safeParse({ name: 'x', mutation: { convRatio } });
    assert.ok(
      !r.success && r.error.issues[0].path.join('.').startsWith('mutation.convRatio'),
      String(convRatio),
    );
  }
});

test('mutation.init: preserve by default, random handed to every candidate, nothing else accepted', async () => {
  const { candidateSettings } = await import('../../src/search/train-spec');
  const random = SearchConfig.parse({ name: 'x', mutation: { init: 'random' } });
  assert.deepEqual(candidateSettings(random).mutation, { maxFlops: null, init: 'random' });
  const bad = SearchConfig.safeParse({ name: 'x', mutation: { init: 'zero' } });
  assert.ok(!bad.success && bad.error.issues[0].path.join('.') === 'mutation.init');
});

test('temporal.tls holds file paths and a server name, never a key: an unknown field is refused', () => {
  const ok = SearchConfig.parse({
    name: 'x',
    dataset: { name: 'mnist' },
    temporal: { address: 't:7233', tls: { serverCa: '/etc/t/ca.pem', serverName: 'temporal.internal' } },
  });
  assert.equal(ok.temporal.tls.serverCa, '/etc/t/ca.pem');
  const withKey = SearchConfig.safeParse({
    name: 'x',
    dataset: { name: 'mnist' },
    temporal: { tls: { apiKey: 'k' } },
  });
  assert.equal(withKey.success, false);
});
