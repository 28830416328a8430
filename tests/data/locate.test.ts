import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { datasetEntry, DatasetError, loadDataset, placesFor, readRawDataset } from '../../src/data';
import { isolated, tempDir, writeIdxDataset } from './formats';

test('a missing dataset lists every place looked, in order, and the one command that fixes it', async (t) => {
  const dir = tempDir(t);
  const dataDir = join(dir, 'mine');
  const env = { NETGROW_DATA: join(dir, 'shared') };
  const err = await loadDataset({ name: 'mnist', dataDir }, { cacheRoot: join(dir, 'cache'), env }).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(err instanceof DatasetError);
  assert.equal(err.code, 'missing');
  assert.equal(
    err.message,
    `dataset 'mnist' is not on this machine: looked in ${dataDir}/mnist (--data-dir), ${dataDir} (--data-dir), ` +
      `${dir}/shared/mnist (NETGROW_DATA), ${dir}/cache/mnist (cache), /usr/share/datasets/mnist (system) ` +
      `for train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz. ` +
      `Fix: netgrow datasets --download mnist`,
  );
  assert.ok(!err.message.includes('\n'), 'one line');
});

test('the missing message says NETGROW_DATA is unset, names a half-filled folder, and gives apt-get for Fashion-MNIST', (t) => {
  const dir = tempDir(t);
  const cache = join(dir, 'cache', 'fashion-mnist');
  writeIdxDataset(cache, { train: 2, test: 2 });
  rmSync(join(cache, 't10k-labels-idx1-ubyte.gz'));
  assert.throws(() => readRawDataset(datasetEntry('fashion-mnist'), isolated(dir)), {
    message:
      `dataset 'fashion-mnist' is not on this machine: looked in NETGROW_DATA (not set), ${cache} (cache) ` +
      `for train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz; ` +
      `${cache} lacks t10k-labels-idx1-ubyte.gz. Fix: apt-get install dataset-fashion-mnist`,
  });
});

test('CIFAR and SVHN missing messages name their archive / files and download commands', (t) => {
  const dir = tempDir(t);
  assert.throws(() => readRawDataset(datasetEntry('cifar-10'), isolated(dir)), {
    message: new RegExp(
      'for cifar-10-binary.tar.gz or cifar-10-batches-bin/\\{data_batch_1.bin,.*,test_batch.bin\\}\\. Fix: netgrow datasets --download cifar10$',
    ),
  });
  assert.throws(() => readRawDataset(datasetEntry('svhn'), isolated(dir)), {
    message: /for train_32x32.mat, test_32x32.mat\. Fix: netgrow datasets --download svhn$/,
  });
});

test('search order: --data-dir before NETGROW_DATA before the cache; roots hold <name>/ folders', (t) => {
  const dir = tempDir(t);
  const mine = join(dir, 'mine');
  const shared = join(dir, 'shared');
  const cache = join(dir, 'cache');
  writeIdxDataset(join(mine, 'mnist'), { train: 1, test: 1 });
  writeIdxDataset(join(shared, 'mnist'), { train: 2, test: 1 });
  writeIdxDataset(join(cache, 'mnist'), { train: 3, test: 1 });
  const read = (o: { dataDir?: string; env?: NodeJS.ProcessEnv }) =>
    readRawDataset(datasetEntry('mnist'), { cacheRoot: cache, system: false, env: {}, ...o, verify: false });
  assert.equal(read({ dataDir: mine, env: { NETGROW_DATA: shared } }).where, join(mine, 'mnist'));
  assert.equal(read({ env: { NETGROW_DATA: shared } }).where, join(shared, 'mnist'));
  assert.equal(read({}).train.count, 3);
  // NETGROW_DATA files directly in the root are not taken: MNIST and Fashion-MNIST share names.
  writeIdxDataset(join(dir, 'flat'), { train: 4, test: 1 });
  assert.equal(read({ env: { NETGROW_DATA: join(dir, 'flat') } }).train.count, 3);
  // --data-dir may be the dataset's own folder.
  assert.equal(read({ dataDir: join(dir, 'flat') }).train.count, 4);
});

test('XDG_CACHE_HOME and HOME place the cache; system folders come last', () => {
  const entry = datasetEntry('fashion-mnist');
  assert.deepEqual(
    placesFor(entry, { env: { XDG_CACHE_HOME: '/x/cache' } }).map((p) => p.dir),
    ['/x/cache/netgrow/datasets/fashion-mnist', '/usr/share/datasets/fashion-mnist'],
  );
  assert.deepEqual(
    placesFor(entry, { env: { HOME: '/home/u', NETGROW_DATA: '/a:/b' } }).map((p) => `${p.why}:${p.dir}`),
    [
      'NETGROW_DATA:/a/fashion-mnist',
      'NETGROW_DATA:/b/fashion-mnist',
      'cache:/home/u/.cache/netgrow/datasets/fashion-mnist',
      'system:/usr/share/datasets/fashion-mnist',
    ],
  );
});

test('unknown names list the known ones; aliases resolve', () => {
  assert.throws(() => datasetEntry('imagenet'), {
    message:
      "unknown dataset 'imagenet': known datasets are mnist, fashion-mnist, cifar10, cifar100, svhn, synthetic (synthetic takes :HxWxC, :N, :Kc, e.g. synthetic:32x32x3:2000:5c)",
  });
  assert.equal(datasetEntry('FMNIST').name, 'fashion-mnist');
  assert.equal(datasetEntry('cifar-100').name, 'cifar100');
});
