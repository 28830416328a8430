/**
 * The ArtifactStore contract, run the same way against every implementation: each store's test
 * file calls `storeContract` with a factory for a fresh, empty store.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sha256Hex, StorageError, type ArtifactStore } from '../../src/storage';

export interface ContractOptions {
  /** A new empty store (its own folder or prefix) for each test. */
  fresh(): Promise<ArtifactStore>;
  /** Bytes for the large-object test; S3 goes through multipart above 8 MiB. */
  largeBytes: number;
}

export function isStorageError(code: StorageError['code'], ...mentions: string[]) {
  return (err: unknown) => {
    assert.ok(err instanceof StorageError, `expected a StorageError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    for (const m of mentions) assert.ok(err.message.includes(m), `'${err.message}' should mention '${m}'`);
    assert.ok(!err.message.includes('\n'), `one-line message expected: ${err.message}`);
    return true;
  };
}

async function* chunksThenFail(first: Uint8Array, error: Error): AsyncGenerator<Uint8Array> {
  yield first;
  throw error;
}

export function storeContract(name: string, opts: ContractOptions): void {
  const { fresh } = opts;

  test(`${name}: put/get round-trips bytes and text`, async () => {
    const store = await fresh();
    const bytes = new Uint8Array([0, 1, 2, 255, 128]);
    await store.put('a/b/c.bin', bytes);
    assert.deepEqual(await store.get('a/b/c.bin'), bytes);
    await store.put('notes.txt', 'grüße ✓');
    assert.equal(await store.getText('notes.txt'), 'grüße ✓');
    await store.put('empty', new Uint8Array(0));
    assert.equal((await store.get('empty')).byteLength, 0);
  });

  test(`${name}: put replaces, exists reflects, delete removes (and is idempotent)`, async () => {
    const store = await fresh();
    assert.equal(await store.exists('x.json'), false);
    await store.put('x.json', '{"v":1}');
    await store.put('x.json', '{"v":2}');
    assert.equal(await store.getText('x.json'), '{"v":2}');
    assert.equal(await store.exists('x.json'), true);
    await store.delete('x.json');
    assert.equal(await store.exists('x.json'), false);
    await store.delete('x.json');
  });

  test(`${name}: list returns keys under a prefix, recursively and sorted`, async () => {
    const store = await fresh();
    const keys = ['e1/c2/meta.json', 'e1/c1/runs/r1/train.csv', 'e1/c1/graph.json', 'e10/x', 'e2/y', 'top'];
    for (const k of keys) await store.put(k, k);
    assert.deepEqual(await store.list(''), [...keys].sort());
    assert.deepEqual(await store.list('e1/'), [
      'e1/c1/graph.json',
      'e1/c1/runs/r1/train.csv',
      'e1/c2/meta.json',
    ]);
    assert.deepEqual(await store.list('e1'), [
      'e1/c1/graph.json',
      'e1/c1/runs/r1/train.csv',
      'e1/c2/meta.json',
      'e10/x',
    ]);
    assert.deepEqual(await store.list('e1/c1/gr'), ['e1/c1/graph.json']);
    assert.deepEqual(await store.list('nothing/'), []);
  });

  test(`${name}: append creates the object and adds whole lines`, async () => {
    const store = await fresh();
    await store.append('lineage.jsonl', '{"n":1}');
    await store.append('lineage.jsonl', '{"n":2}\n');
    await store.append('lineage.jsonl', '{"n":3}');
    assert.equal(await store.getText('lineage.jsonl'), '{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  test(`${name}: a missing key is a not_found error naming the key`, async () => {
    const store = await fresh();
    await assert.rejects(
      store.get('runs/r9/result.json'),
      isStorageError('not_found', 'runs/r9/result.json'),
    );
    await assert.rejects(store.getText('nope'), isStorageError('not_found', 'nope'));
  });

  test(`${name}: keys that could escape the root are refused`, async () => {
    const store = await fresh();
    for (const bad of ['../x', '/abs', 'a//b', 'a/./b', 'a/', '', 'a\\b']) {
      await assert.rejects(store.put(bad, 'x'), isStorageError('bad_uri'), `key ${JSON.stringify(bad)}`);
    }
    await assert.rejects(store.list('../'), isStorageError('bad_uri'));
  });

  test(`${name}: a failed put leaves the old object and no partial one`, async () => {
    const store = await fresh();
    await store.put('w/weights.bin', 'old weights');
    const boom = new Error('serialiser crashed');
    await assert.rejects(store.putStream('w/weights.bin', chunksThenFail(randomBytes(1024), boom)), (err) => {
      assert.equal(err, boom, 'the producer error comes back unchanged');
      return true;
    });
    assert.equal(await store.getText('w/weights.bin'), 'old weights');
    await assert.rejects(store.putStream('w/new.bin', chunksThenFail(randomBytes(10), boom)));
    assert.equal(await store.exists('w/new.bin'), false);
    assert.deepEqual(await store.list(''), ['w/weights.bin']);
  });

  test(`${name}: putStream writes the concatenated chunks`, async () => {
    const store = await fresh();
    await store.putStream('s.bin', [new Uint8Array([1, 2]), new Uint8Array([3])]);
    assert.deepEqual(await store.get('s.bin'), new Uint8Array([1, 2, 3]));
  });

  test(`${name}: a large object (${opts.largeBytes >> 20} MiB) round-trips intact`, async () => {
    const store = await fresh();
    const body = randomBytes(opts.largeBytes);
    const started = Date.now();
    await store.put('big/weights.bin', body);
    const wrote = Date.now();
    assert.equal(sha256Hex(await store.get('big/weights.bin')), sha256Hex(body));
    console.log(
      `# ${name}: ${opts.largeBytes >> 20} MiB put ${wrote - started} ms, get ${Date.now() - wrote} ms`,
    );
  });
}
