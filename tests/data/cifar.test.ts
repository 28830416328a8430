import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { datasetEntry, loadDataset, readRawDataset, readTar } from '../../src/data';
import { cifarRecords, isolated, tarGz, tempDir, tinySet, TinySet, write } from './formats';

const IMAGE = 32 * 32 * 3;

/** CIFAR-10's extracted layout: five training batches and a test batch, `n` images each. */
function writeCifar10(root: string, n: number): { train: TinySet[]; test: TinySet } {
  const folder = join(root, 'cifar-10-batches-bin');
  const train = [1, 2, 3, 4, 5].map((i) => tinySet(n, IMAGE, 10, i));
  train.forEach((set, i) => write(join(folder, `data_batch_${i + 1}.bin`), cifarRecords(set, 1)));
  const test = tinySet(n, IMAGE, 10, 9);
  write(join(folder, 'test_batch.bin'), cifarRecords(test, 1));
  write(join(folder, 'batches.meta.txt'), Buffer.from('airplane\nautomobile\n'));
  return { train, test };
}

const concat = (sets: TinySet[]): Uint8Array => Buffer.concat(sets.map((s) => s.images));

test('CIFAR-10 extracted .bin files: planes become NHWC, batches concatenate in order', (t) => {
  const dir = tempDir(t);
  const { train, test: testSet } = writeCifar10(dir, 4);
  const raw = readRawDataset(datasetEntry('cifar10'), { ...isolated(dir, { dataDir: dir }), verify: false });
  assert.equal(raw.train.count, 20);
  assert.deepEqual(Buffer.from(raw.train.images), Buffer.from(concat(train)));
  assert.deepEqual(Array.from(raw.train.labels.subarray(4, 8)), Array.from(train[1].labels));
  assert.deepEqual(Buffer.from(raw.test.images), Buffer.from(testSet.images));
  // One pixel by hand: image 2 of batch 1, row 5, column 7, green, from the green plane.
  const records = readFileSync(join(dir, 'cifar-10-batches-bin', 'data_batch_1.bin'));
  assert.equal(raw.train.images[2 * IMAGE + (5 * 32 + 7) * 3 + 1], records[2 * 3073 + 1 + 1024 + 5 * 32 + 7]);
});

test('CIFAR-10 from a tar.gz made by the system tar reads the same as the extracted files', async (t) => {
  const dir = tempDir(t);
  const { train } = writeCifar10(join(dir, 'src'), 3);
  tarGz(join(dir, 'cifar-10-binary.tar.gz'), join(dir, 'src'), 'cifar-10-batches-bin');
  const raw = readRawDataset(datasetEntry('cifar10'), { ...isolated(dir, { dataDir: dir }), verify: false });
  assert.equal(raw.where, join(dir, 'cifar-10-binary.tar.gz'));
  assert.deepEqual(Buffer.from(raw.train.images), Buffer.from(concat(train)));
  const ds = await loadDataset(
    { name: 'cifar10', validation: 0.2, dataDir: dir },
    { ...isolated(dir), verify: false },
  );
  assert.deepEqual(ds.inputShape, [32, 32, 3]);
  assert.equal(ds.train.count + (ds.val?.count ?? 0), 15);
  assert.equal(ds.val?.count, 3);
  assert.equal(ds.test?.count, 3);
});

test('CIFAR-100: two label bytes, the fine label is used; train.bin/test.bin', (t) => {
  const dir = tempDir(t);
  const train = tinySet(6, IMAGE, 100, 3);
  train.labels.set([0, 57, 99, 12, 3, 4]);
  write(join(dir, 'cifar-100-binary', 'train.bin'), cifarRecords(train, 2));
  write(join(dir, 'cifar-100-binary', 'test.bin'), cifarRecords(tinySet(2, IMAGE, 100, 4), 2));
  const raw = readRawDataset(datasetEntry('cifar100'), { ...isolated(dir, { dataDir: dir }), verify: false });
  assert.deepEqual(Array.from(raw.train.labels), [0, 57, 99, 12, 3, 4]);
  assert.deepEqual(Buffer.from(raw.train.images), Buffer.from(train.images));
  assert.equal(raw.entry.classNames.length, 100);
  const names = raw.entry.classNames;
  assert.deepEqual([names[0], names[57], names[58], names[99]], ['apple', 'pear', 'pickup_truck', 'worm']);
});

test('damaged CIFAR files: partial record, wrong record count, missing archive member, cut archive', (t) => {
  const dir = tempDir(t);
  writeCifar10(dir, 2);
  const opts = { ...isolated(dir, { dataDir: dir }), verify: false };
  const batch3 = join(dir, 'cifar-10-batches-bin', 'data_batch_3.bin');
  const bytes = readFileSync(batch3);
  write(batch3, bytes.subarray(0, bytes.length - 100));
  assert.throws(() => readRawDataset(datasetEntry('cifar10'), opts), {
    message: `${batch3}: 6046 bytes is not a whole number of 3073-byte CIFAR records (truncated?)`,
  });
  write(batch3, bytes);
  assert.throws(
    () => readRawDataset(datasetEntry('cifar10'), { ...opts, verify: true }),
    new RegExp(`data_batch_1.bin: 2 records, expected 10000`),
  );

  const other = tempDir(t);
  writeCifar10(join(other, 'src'), 2);
  const archive = join(other, 'cifar-10-binary.tar.gz');
  const testBatch = join(other, 'src', 'cifar-10-batches-bin', 'test_batch.bin');
  write(testBatch, new Uint8Array(0));
  tarGz(archive, join(other, 'src'), 'cifar-10-batches-bin');
  const o = { ...isolated(other, { dataDir: other }), verify: false };
  assert.throws(() => readRawDataset(datasetEntry('cifar10'), o), {
    message: `${archive}:test_batch.bin: empty file; copy or extract it again`,
  });
  rmSync(testBatch);
  tarGz(archive, join(other, 'src'), 'cifar-10-batches-bin');
  assert.throws(() => readRawDataset(datasetEntry('cifar10'), o), {
    message: `${archive}: the archive has no test_batch.bin (it holds batches.meta.txt, data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin)`,
  });

  const full = readFileSync(archive);
  write(archive, gzipSync(gunzipSync(full).subarray(0, 5000)));
  assert.throws(
    () => readRawDataset(datasetEntry('cifar10'), o),
    /truncated tar archive: member at byte \d+ needs 6146 bytes/,
  );
  write(archive, full.subarray(0, full.length - 50));
  assert.throws(() => readRawDataset(datasetEntry('cifar10'), o), /not a complete gzip stream/);
});

test('the tar reader checks header checksums and notices a cut archive', (t) => {
  const dir = tempDir(t);
  write(join(dir, 'src', 'd', 'a.bin'), Buffer.from('hello'));
  const archive = tarGz(join(dir, 'a.tar.gz'), join(dir, 'src'), 'd');
  const tar = gunzipSync(readFileSync(archive));
  assert.deepEqual(Buffer.from(readTar(tar, 'a.tar').get('d/a.bin')!).toString(), 'hello');
  const damaged = Buffer.from(tar);
  damaged[512 + 10] ^= 0xff; // inside the second header (d/a.bin): its name
  assert.throws(() => readTar(damaged, 'a.tar'), /a.tar: damaged tar header at byte 512/);
  assert.throws(() => readTar(tar.subarray(0, 1024 + 100), 'a.tar'), /truncated tar archive/);
});

test('with verification on, an archive that is not the published one is refused naming its size', (t) => {
  const dir = tempDir(t);
  writeCifar10(join(dir, 'src'), 1);
  const archive = tarGz(join(dir, 'cifar-10-binary.tar.gz'), join(dir, 'src'), 'cifar-10-batches-bin');
  const size = readFileSync(archive).length;
  assert.throws(() => readRawDataset(datasetEntry('cifar10'), isolated(dir, { dataDir: dir })), {
    message: `${archive}: ${size} bytes, expected 170052171 (https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz); the file is truncated or another file`,
  });
});
