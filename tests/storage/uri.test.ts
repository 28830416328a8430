import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkKey,
  joinUri,
  openStore,
  parseUri,
  redactUri,
  sha256Hex,
  StorageError,
} from '../../src/storage';
import { isStorageError } from './contract';

test('uri: file URIs and plain paths resolve to absolute folders', () => {
  assert.deepEqual(parseUri('file:///data/runs'), { kind: 'file', path: '/data/runs' });
  assert.deepEqual(parseUri('file://localhost/data/runs'), { kind: 'file', path: '/data/runs' });
  assert.deepEqual(parseUri('file://./runs', '/home/u'), { kind: 'file', path: '/home/u/runs' });
  assert.deepEqual(parseUri('file://../runs', '/home/u'), { kind: 'file', path: '/home/runs' });
  assert.deepEqual(parseUri('runs/x', '/home/u'), { kind: 'file', path: '/home/u/runs/x' });
  assert.deepEqual(parseUri('/abs/dir/'), { kind: 'file', path: '/abs/dir' });
  assert.deepEqual(parseUri('file:///with%20space'), { kind: 'file', path: '/with space' });
});

test('uri: s3 URIs split into bucket and a normalised prefix', () => {
  assert.deepEqual(parseUri('s3://my-bucket'), { kind: 's3', bucket: 'my-bucket', prefix: '' });
  assert.deepEqual(parseUri('s3://my-bucket/'), { kind: 's3', bucket: 'my-bucket', prefix: '' });
  assert.deepEqual(parseUri('s3://my-bucket/runs/a/'), { kind: 's3', bucket: 'my-bucket', prefix: 'runs/a' });
});

test('uri: malformed or unsupported URIs are bad_uri errors that say what to write', () => {
  const cases: [string, string][] = [
    ['', 'empty'],
    ['gs://bucket/x', "scheme 'gs://'"],
    ['file://host/x', 'file:///absolute/path'],
    ['s3://Bad_Bucket/x', 'not a valid bucket name'],
    ['s3://ab', 'not a valid bucket name'],
    ['s3://bucket/a/../b', "'..'"],
    ['s3://bucket/x?versionId=3', 'query strings'],
    ['file:///bad%zz', '%-escape'],
  ];
  for (const [uri, mention] of cases) {
    assert.throws(() => parseUri(uri), isStorageError('bad_uri', mention), uri);
  }
});

test('uri: credentials in a URI are refused and never echoed', () => {
  for (const uri of [
    's3://AKIAEXAMPLE:wJalrXUtnFEMI@bucket/p',
    's3://AKIAEXAMPLE@bucket',
    'file://u:wJalrXUtnFEMI@/x',
  ]) {
    assert.throws(
      () => openStore(uri),
      (err: unknown) => {
        assert.ok(err instanceof StorageError && err.code === 'bad_uri');
        assert.doesNotMatch(err.message, /AKIAEXAMPLE|wJalrXUtnFEMI/);
        assert.match(err.message, /\*\*\*@.*credentials.*AWS_ACCESS_KEY_ID/);
        return true;
      },
    );
  }
});

test('uri: redactUri hides user info and query values, and never throws', () => {
  assert.equal(redactUri('s3://KEY:SECRET@bucket/p'), 's3://***@bucket/p');
  assert.equal(
    redactUri('https://h/b/k?X-Amz-Credential=AK%2F1&X-Amz-Signature=abc'),
    'https://h/b/k?X-Amz-Credential=***&X-Amz-Signature=***',
  );
  assert.equal(redactUri('s3://bucket/p'), 's3://bucket/p');
  assert.equal(redactUri('%%not a uri@@'), '%%not a uri@@');
});

test('uri: joinUri appends keys and returns the canonical form', () => {
  assert.equal(
    joinUri('s3://b1x/runs', 'experiments/e1', 'meta.json'),
    's3://b1x/runs/experiments/e1/meta.json',
  );
  assert.equal(joinUri('s3://b1x', '/experiments/', 'e1'), 's3://b1x/experiments/e1');
  assert.equal(joinUri('file:///data', 'a b', 'c.json'), 'file:///data/a%20b/c.json');
  assert.equal(parseUri(joinUri('file:///data', 'a b')).kind, 'file');
  assert.equal(joinUri('s3://b1x/p'), 's3://b1x/p');
  assert.throws(() => joinUri('s3://b1x/p', '..', 'x'), isStorageError('bad_uri', "'..'"));
});

test('uri: checkKey accepts relative paths and names what is wrong with the rest', () => {
  assert.equal(
    checkKey('experiments/e1/candidates/c3/graph.json'),
    'experiments/e1/candidates/c3/graph.json',
  );
  assert.throws(() => checkKey('a/.netgrow-tmp-1-x'), isStorageError('bad_uri', 'reserved for temp files'));
  assert.throws(() => checkKey('/etc/passwd'), isStorageError('bad_uri', "'/etc/passwd'", 'starts with /'));
});

test('integrity: sha256Hex of bytes and text agree with the known digest', () => {
  const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
  assert.equal(sha256Hex('abc'), abc);
  assert.equal(sha256Hex(new Uint8Array([0x61, 0x62, 0x63])), abc);
});
