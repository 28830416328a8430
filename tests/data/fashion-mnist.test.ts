/**
 * The real Fashion-MNIST that Debian's dataset-fashion-mnist installs. Skipped, saying why, on a
 * machine without it (the fix is in the skip message).
 */
import assert from 'node:assert/strict';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  DatasetError,
  formatMemory,
  loadDataset,
  memoryReport,
  tryLocate,
  datasetEntry,
} from '../../src/data';
import { isolated, tempDir, write } from './formats';
import { skipWhen } from '../support/skip';

const located = tryLocate(datasetEntry('fashion-mnist'));
const skip = skipWhen('no-fashion-mnist', located ? null : 'no copy in any place netgrow looks');
const FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];

test(
  'real Fashion-MNIST loads: 60000/10000 images of 28x28x1, labels 0..9, checksums verified',
  { skip },
  async () => {
    const start = performance.now();
    const ds = await loadDataset({ name: 'fashion-mnist', validation: 0, preprocess: 'standardize' });
    const seconds = (performance.now() - start) / 1000;
    console.log(
      `fashion-mnist: loaded in ${seconds.toFixed(2)} s from ${ds.source.where} (${ds.source.verified}); ${formatMemory(memoryReport(ds))}`,
    );
    assert.equal(ds.train.count, 60000);
    assert.equal(ds.test!.count, 10000);
    assert.deepEqual(ds.inputShape, [28, 28, 1]);
    assert.equal(ds.train.x.length, 60000 * 784);
    assert.equal(ds.source.verified, 'sha256');
    const counts = new Array(10).fill(0);
    for (const y of ds.train.y) counts[y]++;
    assert.deepEqual(counts, new Array(10).fill(6000));
    assert.equal(ds.classNames[9], 'Ankle boot');
    // The published statistics: mean 0.2860, std 0.3530 of pixel / 255.
    assert.ok(Math.abs(ds.normalization.offset[0] / 255 - 0.286) < 1e-3);
    assert.ok(Math.abs(ds.normalization.divisor[0] / 255 - 0.353) < 1e-3);
  },
);

test(
  'a copy of Fashion-MNIST with one label changed fails its content checksum, naming the file',
  { skip },
  async (t) => {
    const dir = tempDir(t);
    const from = located!.place.dir;
    for (const f of FILES.slice(0, 3)) symlinkSync(join(from, f), join(dir, f));
    const labels = gunzipSync(readFileSync(join(from, 't10k-labels-idx1-ubyte.gz')));
    labels[100] = (labels[100] + 1) % 10;
    const path = write(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(labels));
    await assert.rejects(
      loadDataset({ name: 'fashion-mnist', dataDir: dir }, isolated(dir)),
      (e: unknown) => {
        assert.ok(e instanceof DatasetError && e.code === 'corrupt');
        assert.match(
          e.message,
          new RegExp(`^${path}: sha256 of its content is [0-9a-f]{64}, expected 0402a96d`),
        );
        return true;
      },
    );
  },
);
