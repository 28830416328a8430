/**
 * Credentials out of failure text: the patterns of src/contracts/secrets.ts on planted
 * credentials, and a real `netgrow train` child that prints an AWS key pair and fails, whose
 * ExecutorError (the message that goes into workflow history) carries them masked.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { credentialValues, MASK, maskCredentials } from '../../src/contracts/secrets';
import { ExecutorError } from '../../src/executor/executor';
import { ProcessExecutor } from '../../src/executor/process';
import { TrainSpec } from '../../src/contracts/train';

// AWS's documented example credentials: never valid anywhere.
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const TEMP_KEY_ID = 'ASIAJEXAMPLEXEG2JICEA';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('maskCredentials', () => {
  const cases: Array<[string, string, string]> = [
    ['an access key id', `key ${KEY_ID} denied`, `key AKIA${MASK} denied`],
    ['a temporary key id', `id=${TEMP_KEY_ID.slice(0, 20)}`, `id=ASIA${MASK}`],
    ['aws_secret_access_key=', `aws_secret_access_key=${SECRET}`, `aws_secret_access_key=${MASK}`],
    ['AWS_SECRET_ACCESS_KEY=', `AWS_SECRET_ACCESS_KEY=${SECRET} next`, `AWS_SECRET_ACCESS_KEY=${MASK} next`],
    ['a YAML-ish colon', `aws_secret_access_key: ${SECRET}`, `aws_secret_access_key: ${MASK}`],
    ['a JSON field', `{"password":"hunter22","user":"u"}`, `{"password":"${MASK}","user":"u"}`],
    ['password= in a query', `?user=me&password=hunter22&x=1`, `?user=me&password=${MASK}&x=1`],
    ['a bearer token', 'Authorization: Bearer eyJhbGciOi.J9.sig', `Authorization: Bearer ${MASK}`],
    ['a URL password', 'postgres://ml:s3cr3tpw@db:5432/x', `postgres://ml:${MASK}@db:5432/x`],
    ['a signed URL', 'GET /b/k?X-Amz-Signature=abcdef0123', `GET /b/k?X-Amz-Signature=${MASK}`],
  ];
  for (const [what, text, masked] of cases) {
    test(what, () => assert.equal(maskCredentials(text), masked));
  }

  test('a private key block, whole or cut off by the tail', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----';
    assert.equal(maskCredentials(`before\n${pem}\nafter`), `before\n[private key ${MASK}]\nafter`);
    assert.equal(maskCredentials('x -----BEGIN PRIVATE KEY----- | MIIEv | QIBAD'), `x [private key ${MASK}]`);
  });

  test('the values of credential variables, wherever they appear', () => {
    const env = { MY_API_TOKEN: 'tok-7f3a9c', S3_PASSWORD: 'p@ss!word', HOME: '/home/u', SHORT_TOKEN: 'ab' };
    const values = credentialValues(env);
    assert.deepEqual(values.sort(), ['p@ss!word', 'tok-7f3a9c']);
    assert.equal(maskCredentials('sent tok-7f3a9c then p@ss!word', values), `sent ${MASK} then ${MASK}`);
  });

  test('ordinary trainer output is left alone', () => {
    const text =
      "netgrow train: unknown dataset 'foo': known datasets are mnist, cifar10 | epoch 3 loss=0.41 acc=0.88 " +
      'OOMKilled: the trainer ran out of memory; tokens 5 of 12, keyboard: ok';
    assert.equal(maskCredentials(text), text);
  });

  test('an ExecutorError masks its message', () => {
    const e = new ExecutorError('bad_input', `run r: AWS_SECRET_ACCESS_KEY=${SECRET} ${KEY_ID}`);
    assert.equal(e.message, `run r: AWS_SECRET_ACCESS_KEY=${MASK} AKIA${MASK}`);
  });
});

test('a failing `netgrow train` child that printed a key pair: the error carries it masked', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'netgrow-mask-'));
  try {
    // The trainer quotes the dataset it cannot find on its error line, then exits 2.
    const spec = TrainSpec.parse({
      runId: 'leak',
      checkpoint: 'builtin:seed-ga',
      output: pathToFileURL(join(dir, 'out')).href,
      seed: 1,
      dataset: { name: `s3://b/x?aws_secret_access_key=${SECRET}&id=${KEY_ID}` },
      epochs: 1,
    });
    const e = await new ProcessExecutor({ parallelism: 1 }).run(spec).then(
      () => assert.fail('expected the run to fail'),
      (err: unknown) => err,
    );
    assert.ok(e instanceof ExecutorError, String(e));
    assert.equal(e.code, 'bad_input');
    assert.match(e.message, /unknown dataset/);
    assert.ok(!e.message.includes(SECRET) && !e.message.includes(KEY_ID), e.message);
    assert.match(e.message, new RegExp(`aws_secret_access_key=\\*\\*\\*&id=AKIA\\*\\*\\*`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
