/**
 * The S3 store against a real SeaweedFS server (tests/support/seaweed.ts) on loopback.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Readable } from 'node:stream';
import {
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { openStore, S3Store, sha256Hex, StorageError, type S3Options } from '../../src/storage';
import { startSeaweed, type SeaweedServer } from '../support/seaweed';
import { isStorageError, storeContract } from './contract';
import { startFlakyProxy } from './flaky-proxy';

const bucket = 'netgrow-test';
let server: SeaweedServer;
let n = 0;

before(async () => {
  server = await startSeaweed();
  console.log(`# seaweed mini ready in ${server.startupMs} ms at ${server.endpoint}`);
});
after(async () => {
  await server?.stop();
});

function options(extra: S3Options = {}): S3Options {
  const { accessKeyId, secretAccessKey } = server;
  return {
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId, secretAccessKey },
    createBucket: true,
    checksums: 'when-required',
    ...extra,
  };
}

function s3Store(extra: S3Options = {}, prefix = `t${n++}`): S3Store {
  return openStore(`s3://${bucket}/${prefix}`, options(extra)) as S3Store;
}

/** Records method, path and headers of every request the client sends (each retry included). */
function recordRequests(client: S3Client) {
  type Sent = {
    method: string;
    path: string;
    query: Record<string, unknown>;
    headers: Record<string, string>;
  };
  const seen: Sent[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const req = (args as { request?: Sent }).request;
      if (req)
        seen.push({
          method: req.method,
          path: req.path,
          query: { ...req.query },
          headers: { ...req.headers },
        });
      return next(args);
    },
    { step: 'deserialize', name: 'netgrowTestRecorder' },
  );
  return seen;
}

storeContract('s3', { fresh: async () => s3Store(), largeBytes: 20 * 1024 * 1024 });

test('s3: bodies over 8 MiB go up as multipart (3 parts for 20 MiB)', async () => {
  const store = s3Store();
  const seen = recordRequests(store.client);
  await store.put('big.bin', randomBytes(20 * 1024 * 1024));
  const parts = seen.filter((r) => r.method === 'PUT' && r.query.partNumber !== undefined);
  const head = await store.client.send(
    new HeadObjectCommand({ Bucket: bucket, Key: `${store.prefix}/big.bin` }),
  );
  assert.match(head.ETag ?? '', /-3"?$/, `multipart ETag expected, got ${head.ETag}`);
  assert.equal(head.ContentLength, 20 * 1024 * 1024);
  assert.equal(parts.length, 3);
});

test('s3: a stream failing after a multipart part was sent aborts the upload and keeps the old object', async () => {
  const store = s3Store();
  await store.put('w.bin', 'old');
  const boom = new Error('serialiser crashed');
  async function* chunks() {
    yield randomBytes(9 * 1024 * 1024); // more than one 8 MiB part: the first part goes up
    await new Promise((r) => setTimeout(r, 200));
    throw boom;
  }
  const seen = recordRequests(store.client);
  await assert.rejects(store.putStream('w.bin', chunks()), (err) => err === boom);
  assert.ok(
    seen.some((r) => r.query.uploads !== undefined),
    'a multipart upload was started',
  );
  assert.equal(await store.getText('w.bin'), 'old');
  const open = await store.client.send(
    new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: store.prefix }),
  );
  assert.deepEqual(open.Uploads ?? [], [], 'the multipart upload was aborted');
});

test('s3: SeaweedFS accepts the SDK default checksums (CRC32 header and aws-chunked trailer)', async () => {
  const store = s3Store({ checksums: 'sdk-default' });
  const seen = recordRequests(store.client);
  const small = randomBytes(1000);
  const big = randomBytes(9 * 1024 * 1024);
  await store.put('small.bin', small);
  await store.putStream('streamed.bin', [small, small]);
  await store.put('multi.bin', big);
  assert.equal(sha256Hex(await store.get('small.bin')), sha256Hex(small));
  assert.equal(sha256Hex(await store.get('streamed.bin')), sha256Hex(Buffer.concat([small, small])));
  assert.equal(sha256Hex(await store.get('multi.bin')), sha256Hex(big));
  // The store always sends known-length bodies; a stream body is what makes the SDK switch to an
  // aws-chunked body with a CRC32 trailer, the variant some S3-compatible servers reject.
  await store.client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: `${store.prefix}/trailer.bin`,
      Body: Readable.from([small, small]),
      ContentLength: 2 * small.byteLength,
    }),
  );
  assert.equal(sha256Hex(await store.get('trailer.bin')), sha256Hex(Buffer.concat([small, small])));
  assert.ok(
    seen.some((r) => r.headers['x-amz-trailer'] === 'x-amz-checksum-crc32'),
    'a trailer was sent',
  );
  const uploads = seen.filter((r) => r.method === 'PUT');
  const withCrc = uploads.filter((r) =>
    Object.keys(r.headers).some((h) => /x-amz-checksum-crc32|x-amz-trailer/i.test(h)),
  );
  assert.ok(withCrc.length > 0, 'the SDK defaults should send CRC32 checksums');
  console.log(`# sdk-default: ${withCrc.length}/${uploads.length} PUTs carried a CRC32 checksum`);

  const compatible = s3Store({ checksums: 'when-required' });
  const plain = recordRequests(compatible.client);
  await compatible.put('small.bin', small);
  const sent = plain.filter((r) => r.method === 'PUT').flatMap((r) => Object.keys(r.headers));
  assert.ok(
    !sent.some((h) => /x-amz-checksum-|x-amz-trailer/i.test(h)),
    `no checksum headers: ${sent.join(',')}`,
  );
});

test('s3: list paginates', async () => {
  const store = s3Store({ listPageSize: 2 });
  const seen = recordRequests(store.client);
  const keys = ['p/a', 'p/b', 'p/c', 'p/d', 'p/e'];
  for (const k of keys) await store.put(k, k);
  assert.deepEqual(await store.list('p/'), keys);
  assert.equal(seen.filter((r) => r.query['list-type'] === '2').length, 3, 'three pages of two');
});

test('s3: a restarted server still has the data', async () => {
  const store = s3Store();
  const body = randomBytes(100_000);
  await store.put('keep/weights.bin', body);
  const started = Date.now();
  await server.restart();
  console.log(`# seaweed restart ${Date.now() - started} ms (startup ${server.startupMs} ms)`);
  assert.deepEqual(await store.get('keep/weights.bin'), new Uint8Array(body));
});

test('s3: a missing bucket is a clear error, or created on request', async () => {
  const missing = openStore('s3://no-such-bucket/x', options({ createBucket: false }));
  for (const op of [missing.get('k'), missing.exists('k'), missing.put('k', 'v'), missing.list('')]) {
    await assert.rejects(
      op,
      isStorageError('no_bucket', "'no-such-bucket'", 'aws s3 mb s3://no-such-bucket', 'createBucket'),
    );
  }
  const created = openStore('s3://made-on-demand/x', options({ createBucket: true }));
  await created.put('k', 'v');
  assert.equal(await created.getText('k'), 'v');
});

test('s3: throttling answers are retried with backoff, and a clear error once retries run out', async () => {
  const proxy = await startFlakyProxy(server.endpoint, { slowDowns: 2 });
  try {
    const store = s3Store({ endpoint: proxy.endpoint });
    await store.put('retried.txt', 'made it');
    assert.equal(await store.getText('retried.txt'), 'made it');
    assert.equal(proxy.refused, 2);
  } finally {
    await proxy.close();
  }
  const stubborn = await startFlakyProxy(server.endpoint, { slowDowns: 100 });
  try {
    const store = s3Store({ endpoint: stubborn.endpoint, maxAttempts: 3 });
    const started = Date.now();
    await assert.rejects(
      store.put('never.txt', 'x'),
      isStorageError(
        'unavailable',
        'never.txt',
        stubborn.endpoint,
        'after 3 attempts',
        'HTTP 503',
        'retry later',
      ),
    );
    console.log(`# 3 attempts against a throttling server took ${Date.now() - started} ms`);
  } finally {
    await stubborn.close();
  }
});

test('s3: a server that rejects the SDK default checksums gets a clear error naming the fix', async () => {
  // SeaweedFS 4.48 accepts them (see above); the proxy plays a server that does not.
  const proxy = await startFlakyProxy(server.endpoint, { rejectChecksums: true });
  try {
    const strict = s3Store({ endpoint: proxy.endpoint, checksums: 'sdk-default' });
    await assert.rejects(
      strict.put('c.txt', 'x'),
      isStorageError(
        'bad_uri',
        'c.txt',
        'NotImplemented',
        "checksums: 'when-required'",
        'AWS_REQUEST_CHECKSUM_CALCULATION',
      ),
    );
    const compatible = s3Store({ endpoint: proxy.endpoint, checksums: 'when-required' }, strict.prefix);
    await compatible.put('c.txt', 'x');
    await compatible.put('big.bin', randomBytes(9 * 1024 * 1024));
    assert.equal(await compatible.getText('c.txt'), 'x');
  } finally {
    await proxy.close();
  }
});

test('s3: an unreachable server is an unavailable error after the retries, without secrets', async () => {
  const proxy = await startFlakyProxy(server.endpoint, {});
  const { endpoint } = proxy;
  await proxy.close(); // a port nobody listens on any more
  const store = s3Store({ endpoint, maxAttempts: 2 });
  const err = await store.get('k').catch((e: unknown) => e);
  assert.ok(err instanceof StorageError && err.code === 'unavailable', String(err));
  assert.match(err.message, new RegExp(`${endpoint}.*after 2 attempts.*ECONNREFUSED`));
  assert.ok(!err.message.includes(server.secretAccessKey));
});

test('s3: secrets never appear in URIs or error messages', async () => {
  const secret = server.secretAccessKey;
  assert.throws(
    () => openStore(`s3://${server.accessKeyId}:${secret}@${bucket}/p`, options()),
    (err: unknown) => {
      assert.ok(err instanceof StorageError && err.code === 'bad_uri');
      assert.ok(!err.message.includes(secret) && !err.message.includes(server.accessKeyId), err.message);
      assert.match(err.message, /s3:\/\/\*\*\*@netgrow-test\/p.*credentials/);
      return true;
    },
  );
  const wrong = openStore(
    `s3://${bucket}/p`,
    options({ credentials: { accessKeyId: server.accessKeyId, secretAccessKey: secret + 'x' } }),
  );
  assert.equal(wrong.uri, `s3://${bucket}/p`);
  const err = await wrong.get('k').catch((e: unknown) => e);
  assert.ok(err instanceof StorageError && err.code === 'denied', String(err));
  assert.ok(!err.message.includes(secret), err.message);
  assert.match(err.message, /AWS_ACCESS_KEY_ID/);
});

test('s3: endpoint, region, credentials and path style come from the AWS environment', async () => {
  const vars = {
    AWS_ENDPOINT_URL_S3: server.endpoint,
    AWS_REGION: server.region,
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    NETGROW_S3_PATH_STYLE: 'true',
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
  };
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    const store = openStore(`s3://${bucket}/from-env`);
    await store.put('k.txt', 'via env');
    assert.equal(await store.getText('k.txt'), 'via env');
    process.env.NETGROW_S3_PATH_STYLE = 'sometimes';
    assert.throws(() => openStore(`s3://${bucket}/x`), isStorageError('bad_uri', 'NETGROW_S3_PATH_STYLE'));
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
