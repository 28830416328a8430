/**
 * Staging a dataset for trainers that lack it (pods), on a real S3 server (SeaweedFS): the
 * launch uploads each file once under its sha256 with a manifest, and a second launch uploads
 * nothing; `netgrow train --spec` in a child whose every data place is empty fetches the
 * staged copy into its cache, verifies it and trains; a damaged object is refused with one
 * line, exit 2, and nothing under the final name in the cache. The dataset is MNIST in its
 * exact published layout and sizes (four gzip'd IDX files, 60000 + 10000 images), with pixels
 * written here: no machine has a local MNIST the child could find by accident.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DatasetManifest, type StagedDataset } from '../../src/contracts/dataset-manifest';
import { TRAIN_EXIT, TrainResult, type TrainSpecInput } from '../../src/contracts/train';
import { datasetEntry, tryLocate, type IdxSource } from '../../src/data';
import { stageDataset } from '../../src/experiment/stage-dataset';
import { SearchConfig, type SearchConfigInput } from '../../src/search/config';
import { openStore, type ArtifactStore } from '../../src/storage';
import { TEST_BACKEND } from '../support/backend';
import { skipWhen } from '../support/skip';
import { startSeaweed, type SeaweedServer } from '../support/seaweed';
import { mnistMlp, startCheckpoint } from './fixtures';

const BIN = resolve(__dirname, '../../bin/netgrow.js');
const BUCKET = 'netgrow-staged';

let s3: SeaweedServer;
let dir: string;
let mnistRoot: string;
let checkpoint: string;
let s3Env: NodeJS.ProcessEnv;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The real S3 store, counting what is written through it. */
function counting(): { open: (uri: string) => ArtifactStore; puts: string[] } {
  const puts: string[] = [];
  const open = (uri: string): ArtifactStore => {
    const store = openStore(uri, {
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      createBucket: true,
    });
    return Object.assign(Object.create(store) as ArtifactStore, {
      put: (key: string, body: Uint8Array | string) => (puts.push(key), store.put(key, body)),
      putStream: (key: string, chunks: AsyncIterable<Uint8Array>) => (
        puts.push(key),
        store.putStream(key, chunks)
      ),
    });
  };
  return { open, puts };
}

/** MNIST's four files at their exact sizes; each image is a flat grey level that names its class. */
function writeFullSizeMnist(folder: string): void {
  mkdirSync(folder, { recursive: true });
  const idx = (dims: number[], fill: (data: Buffer) => void): Buffer => {
    const header = Buffer.alloc(4 + 4 * dims.length);
    header[2] = 0x08;
    header[3] = dims.length;
    dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
    const data = Buffer.alloc(dims.reduce((a, b) => a * b, 1));
    fill(data);
    return Buffer.concat([header, data]);
  };
  const split = (prefix: string, count: number) => {
    const label = (i: number) => (i * 7) % 10;
    const images = idx([count, 28, 28], (d) => {
      for (let i = 0; i < count; i++) d.fill(20 + 20 * label(i), i * 784, (i + 1) * 784);
    });
    const labels = idx([count], (d) => {
      for (let i = 0; i < count; i++) d[i] = label(i);
    });
    writeFileSync(join(folder, `${prefix}-images-idx3-ubyte.gz`), gzipSync(images, { level: 1 }));
    writeFileSync(join(folder, `${prefix}-labels-idx1-ubyte.gz`), gzipSync(labels, { level: 1 }));
  };
  split('train', 60000);
  split('t10k', 10000);
}

function config(over: Partial<SearchConfigInput> = {}): SearchConfig {
  return SearchConfig.parse({
    name: 'staged',
    dataset: { name: 'mnist', dataDir: mnistRoot },
    storage: { uri: `s3://${BUCKET}/runs` },
    ...over,
  });
}

before(async () => {
  s3 = await startSeaweed();
  dir = mkdtempSync(join(tmpdir(), 'netgrow-staged-'));
  mnistRoot = join(dir, 'data');
  writeFullSizeMnist(join(mnistRoot, 'mnist'));
  s3Env = {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
  checkpoint = await startCheckpoint(dir, mnistMlp(16), 3);
});
after(async () => {
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('staging at launch', () => {
  test('uploads each file under its sha256 with a manifest, once: a second staging uploads nothing', async () => {
    const first = counting();
    const staged = await stageDataset(config(), `s3://${BUCKET}/runs`, first.open);
    assert.ok(staged.report);
    assert.equal(staged.report.files, 4);
    assert.equal(staged.report.uploaded, 5, 'four files and the manifest');
    const names = readdirSync(join(mnistRoot, 'mnist')).sort();
    const expected = names.map((n) => `${sha(readFileSync(join(mnistRoot, 'mnist', n)))}/${n}`);
    assert.deepEqual(first.puts.slice(0, 4).sort(), [...expected].sort(), 'content-addressed keys');

    const { manifest, sha256 } = staged.config.dataset.staged!;
    assert.equal(manifest, `s3://${BUCKET}/runs/datasets/sha256/${sha256}.json`);
    const root = first.open(`s3://${BUCKET}/runs/datasets/sha256`);
    const bytes = await root.get(`${sha256}.json`);
    assert.equal(sha(bytes), sha256, 'the manifest is named by its own digest');
    const parsed = DatasetManifest.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
    assert.equal(parsed.dataset, 'mnist');
    assert.deepEqual(
      parsed.files.map((f) => f.name),
      names,
    );
    for (const f of parsed.files) {
      const object = await root.get(`${f.sha256}/${f.name}`);
      assert.equal(object.length, f.size);
      assert.equal(sha(object), f.sha256);
    }

    const second = counting();
    const again = await stageDataset(config(), `s3://${BUCKET}/runs`, second.open);
    assert.deepEqual(second.puts, [], 'nothing uploaded the second time');
    assert.equal(again.report?.uploaded, 0);
    assert.deepEqual(again.config.dataset.staged, staged.config.dataset.staged);
  });

  test('nothing to stage on file storage, for a synthetic dataset, or when the config names a copy', async () => {
    const none = counting();
    const local = await stageDataset(config(), `file://${dir}/runs`, none.open);
    assert.equal(local.report, null);
    assert.equal(local.config.dataset.staged, undefined);
    const synthetic = config({ dataset: { name: 'synthetic:8x8x1:64:2c' } });
    assert.equal((await stageDataset(synthetic, `s3://${BUCKET}/runs`, none.open)).report, null);
    const named: StagedDataset = { manifest: `s3://${BUCKET}/elsewhere/x.json`, sha256: 'a'.repeat(64) };
    const given = config({ dataset: { name: 'mnist', dataDir: mnistRoot, staged: named } });
    assert.deepEqual(
      (await stageDataset(given, `s3://${BUCKET}/runs`, none.open)).config.dataset.staged,
      named,
    );
    assert.deepEqual(none.puts, []);
  });

  const fashion = tryLocate(datasetEntry('fashion-mnist'));
  test(
    'real Fashion-MNIST lands under the digests the registry pins for its files',
    { skip: skipWhen('no-fashion-mnist', fashion ? null : 'no copy in any place netgrow looks') },
    async () => {
      const { open, puts } = counting();
      const fmnist = config({ dataset: { name: 'fashion-mnist' } });
      const staged = await stageDataset(fmnist, `s3://${BUCKET}/fmnist`, open);
      const source = datasetEntry('fashion-mnist').source as IdxSource;
      const pinned = [source.trainImages, source.trainLabels, source.testImages, source.testLabels].map((f) =>
        f.gz.map((pin) => `${pin.sha256}/${f.name}.gz`),
      );
      for (const keys of pinned)
        assert.ok(
          keys.some((k) => puts.includes(k)),
          `one of ${keys.join(', ')}`,
        );
      assert.equal(staged.report?.files, 4);
    },
  );
});

describe('a trainer without the dataset', () => {
  /** `netgrow train` with every place it looks for data empty. */
  function trainIn(home: string, spec: TrainSpecInput) {
    const file = join(home, `${spec.runId}.json`);
    writeFileSync(file, JSON.stringify(spec));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...s3Env,
      HOME: home,
      XDG_CACHE_HOME: join(home, 'cache'),
      NETGROW_DATA: join(home, 'data'),
    };
    delete env.NETGROW_DATASET_CACHE;
    return spawnSync(process.execPath, [BIN, 'train', '--backend', TEST_BACKEND, '--spec', file], {
      env,
      encoding: 'utf8',
      timeout: 180_000,
    });
  }
  const specFor = (runId: string, staged: StagedDataset, home: string): TrainSpecInput => ({
    runId,
    checkpoint,
    output: join(home, 'out', runId),
    dataset: { name: 'mnist', limit: 400, validation: 0.25, staged },
    epochs: 1,
    batchSize: 50,
    maxSteps: 4,
    logEverySteps: 2,
  });

  test('fetches the staged copy into its cache, verifies it and trains; the next run fetches nothing', async () => {
    const { open } = counting();
    const staged = (await stageDataset(config(), `s3://${BUCKET}/runs`, open)).config.dataset.staged!;
    const home = mkdtempSync(join(dir, 'home-'));
    const cache = join(home, 'cache', 'netgrow', 'datasets', 'mnist');
    assert.equal(
      tryLocate(datasetEntry('mnist'), { env: { HOME: home, NETGROW_DATA: join(home, 'data') } }),
      null,
    );

    const run = trainIn(home, specFor('fetch', staged, home));
    assert.equal(run.status, TRAIN_EXIT.done, run.stdout + run.stderr);
    assert.match(run.stdout, /dataset mnist: fetched 4 of 4 files .* sha256 verified/);
    for (const name of readdirSync(join(mnistRoot, 'mnist'))) {
      assert.equal(
        sha(readFileSync(join(cache, name))),
        sha(readFileSync(join(mnistRoot, 'mnist', name))),
        name,
      );
    }
    assert.deepEqual(
      readdirSync(cache).filter((n) => n.endsWith('.partial')),
      [],
    );
    const result = TrainResult.parse(
      JSON.parse(readFileSync(join(home, 'out', 'fetch', 'result.json'), 'utf8')),
    );
    assert.equal(result.status, 'completed');
    assert.equal(result.steps, 4);

    const again = trainIn(home, specFor('cached', staged, home));
    assert.equal(again.status, TRAIN_EXIT.done, again.stdout + again.stderr);
    assert.doesNotMatch(again.stdout, /fetched/, 'the cached copy is found where the trainer looks');
  });

  test('a damaged object in storage is refused with one line, exit 2, and nothing in the cache', async () => {
    const { open } = counting();
    const staged = (await stageDataset(config(), `s3://${BUCKET}/damaged`, open)).config.dataset.staged!;
    const root = open(`s3://${BUCKET}/damaged/datasets/sha256`);
    const manifest = DatasetManifest.parse(JSON.parse(await root.getText(`${staged.sha256}.json`)));
    const labels = manifest.files.find((f) => f.name === 'train-labels-idx1-ubyte.gz')!;
    const good = await root.get(`${labels.sha256}/${labels.name}`);
    const bad = Buffer.from(good);
    bad[bad.length - 1] ^= 0xff;
    await root.put(`${labels.sha256}/${labels.name}`, bad);

    const home = mkdtempSync(join(dir, 'home-'));
    const run = trainIn(home, specFor('damaged', staged, home));
    assert.equal(run.status, TRAIN_EXIT.badInput, run.stdout + run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0],
      /train-labels-idx1-ubyte\.gz .*sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}/,
    );
    assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
    const cache = join(home, 'cache', 'netgrow', 'datasets', 'mnist');
    const left = existsSync(cache) ? readdirSync(cache) : [];
    assert.ok(!left.includes(labels.name), `${labels.name} was not written`);
    assert.deepEqual(
      left.filter((n) => n.endsWith('.partial')),
      [],
    );
    assert.ok(!existsSync(join(home, 'out', 'damaged', 'result.json')), 'no training started');
  });

  test('a staged manifest that is gone or replaced is an input error that says what to do', async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const gone = {
      manifest: `s3://${BUCKET}/nowhere/datasets/sha256/${'b'.repeat(64)}.json`,
      sha256: 'b'.repeat(64),
    };
    const missing = trainIn(home, specFor('gone', gone, home));
    assert.equal(missing.status, TRAIN_EXIT.badInput, missing.stderr);
    assert.match(missing.stderr, /is not in storage; launch the search again to stage the dataset/);

    const { open } = counting();
    const staged = (await stageDataset(config(), `s3://${BUCKET}/runs`, open)).config.dataset.staged!;
    const replaced = trainIn(home, specFor('replaced', { ...staged, sha256: 'c'.repeat(64) }, home));
    assert.equal(replaced.status, TRAIN_EXIT.badInput, replaced.stderr);
    assert.match(replaced.stderr, /staged manifest .* has sha256 [0-9a-f]{64}, the spec says c{64}/);
  });
});
