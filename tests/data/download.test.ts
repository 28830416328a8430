/**
 * Downloads against a loopback HTTP server: a file is kept only when its size and sha256 match,
 * and a bad one leaves nothing behind. (The real hosts are out of reach here; their pins are
 * the registry's.)
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { DatasetError, downloadDataset, downloadFile, downloadPlan } from '../../src/data';
import { tempDir } from './formats';

async function serve(t: import('node:test').TestContext, files: Record<string, Uint8Array>): Promise<string> {
  const server: Server = createServer((req, res) => {
    const body = files[req.url ?? ''];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const pinOf = (bytes: Uint8Array) => ({
  size: bytes.length,
  sha256: createHash('sha256').update(bytes).digest('hex'),
});

test('downloadFile keeps a file whose size and sha256 match, and refuses one that does not', async (t) => {
  const body = Buffer.from('netgrow '.repeat(10000));
  const base = await serve(t, { '/a.gz': body, '/b.gz': Buffer.from('tampered') });
  const dir = tempDir(t);
  await downloadFile(`${base}/a.gz`, join(dir, 'a.gz'), pinOf(body));
  assert.deepEqual(readFileSync(join(dir, 'a.gz')), body);
  await assert.rejects(downloadFile(`${base}/b.gz`, join(dir, 'b.gz'), { ...pinOf(body), size: 8 }), {
    message: new RegExp(
      `^download of ${base}/b.gz failed: sha256 [0-9a-f]{64}, expected ${pinOf(body).sha256}; the file was not kept$`,
    ),
  });
  await assert.rejects(downloadFile(`${base}/a.gz`, join(dir, 'c.gz'), { ...pinOf(body), size: 100 }), {
    message: /^download of http:\S+\/a.gz failed: received more than \d+ bytes, expected 100$/,
  });
  await assert.rejects(
    downloadFile(`${base}/missing.gz`, join(dir, 'd.gz'), pinOf(body)),
    /failed: HTTP 404$/,
  );
  assert.deepEqual(readdirSync(dir), ['a.gz']);
});

test('downloadDataset fetches the pinned files into the cache; bytes that are not the real ones are refused', async (t) => {
  assert.deepEqual(
    downloadPlan('mnist').map((p) => [p.file, p.pin.size]),
    [
      ['train-images-idx3-ubyte.gz', 9912422],
      ['train-labels-idx1-ubyte.gz', 28881],
      ['t10k-images-idx3-ubyte.gz', 1648877],
      ['t10k-labels-idx1-ubyte.gz', 4542],
    ],
  );
  assert.equal(downloadPlan('cifar100')[0].url, 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz');
  assert.throws(
    () => downloadPlan('synthetic'),
    /synthetic:28x28x1:5000:10c is generated; there is nothing to download/,
  );
  const mirror = await serve(t, { '/train-images-idx3-ubyte.gz': Buffer.from('not mnist') });
  const dir = tempDir(t);
  await assert.rejects(downloadDataset('mnist', { cacheRoot: dir, mirror }), (e: unknown) => {
    assert.ok(e instanceof DatasetError && e.code === 'download');
    assert.match(e.message, /train-images-idx3-ubyte.gz failed: received 9 bytes, expected 9912422$/);
    return true;
  });
  assert.equal(existsSync(join(dir, 'mnist', 'train-images-idx3-ubyte.gz.partial')), false);
  assert.deepEqual(readdirSync(join(dir, 'mnist')), []);
});
