import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { FileStore, openStore } from '../../src/storage';
import { isStorageError, storeContract } from './contract';

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'netgrow-file-store-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

storeContract('file', {
  fresh: async () => openStore(`file://${root}/store${n++}`),
  largeBytes: 20 * 1024 * 1024,
});

test('file: file:///abs, file://./rel and a plain path open the same folder', async () => {
  const abs = join(root, 'same');
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const stores = [
      openStore(`file://${abs}`),
      openStore('file://./same'),
      openStore('same'),
      openStore(abs),
    ];
    await stores[0].put('k.txt', 'one folder');
    for (const s of stores) {
      assert.equal(s.uri, pathToFileURL(abs).href);
      assert.equal(await s.getText('k.txt'), 'one folder');
    }
  } finally {
    process.chdir(cwd);
  }
});

test('file: objects are plain files; no temp file survives a failed put', async () => {
  const store = new FileStore(join(root, 'plain'));
  await store.put('a/b.json', '{}');
  assert.equal(await readFile(join(root, 'plain', 'a', 'b.json'), 'utf8'), '{}');
  async function* failing() {
    yield randomBytes(100);
    throw new Error('disk of the producer caught fire');
  }
  await assert.rejects(store.putStream('a/b.json', failing()), /caught fire/);
  assert.deepEqual(await readdir(join(root, 'plain', 'a')), ['b.json']);
});

test('file: list skips temp files of writes in flight', async () => {
  const store = new FileStore(join(root, 'inflight'));
  await store.put('c/meta.json', '{}');
  await writeFile(join(root, 'inflight', 'c', '.netgrow-tmp-abc123-weights.bin'), 'partial');
  assert.deepEqual(await store.list(''), ['c/meta.json']);
});

test('file: nesting a key under an object, or writing over a folder, is a clear error', async () => {
  const store = new FileStore(join(root, 'nest'));
  await store.put('a', 'object');
  await assert.rejects(store.put('a/b', 'x'), isStorageError('bad_uri', "'a/b'", 'not a folder'));
  await store.put('f/g', 'x');
  await assert.rejects(store.put('f', 'x'), isStorageError('bad_uri', "'f'", 'folder'));
  await assert.rejects(store.get('f'), isStorageError('not_found', "'f'", 'folder'));
});

test('file: concurrent appends keep every line whole', async () => {
  const store = new FileStore(join(root, 'append'));
  const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(200) }));
  await Promise.all(lines.map((l) => store.append('lineage.jsonl', l)));
  const got = (await store.getText('lineage.jsonl')).trimEnd().split('\n');
  assert.deepEqual([...got].sort(), [...lines].sort());
});
