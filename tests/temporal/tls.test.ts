/**
 * Temporal over TLS with client certificates, and with an API key. `temporal server start-dev`
 * serves plain gRPC only, so a TLS-terminating proxy written here (node:tls, requiring a client
 * certificate signed by the test's CA, forwarding bytes to the dev server on loopback) stands
 * in front of one. The CLI (`netgrow temporal setup`) and a worker (`netgrow worker`) connect
 * through it; a CA that did not sign the server is one line and exit 2. For the API key, an
 * HTTP/2 server over TLS records the headers of the first call and fails it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createSecureServer, type IncomingHttpHeaders } from 'node:http2';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { after, before, test } from 'node:test';
import { startDevServer, type DevServer } from '../../src/temporal/devserver';
import { makeCa, signCert } from '../support/pki';

const bin = join(__dirname, '..', '..', 'bin', 'netgrow.js');
let dir: string;
let server: DevServer;
let proxy: TlsServer;
let proxyAddress: string;
const pem = (name: string) => join(dir, name);

/** A CA, a server certificate for 127.0.0.1 / temporal.test, a client certificate, another CA. */
function makePki(): void {
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  signCert(
    dir,
    'server',
    '/CN=server',
    'subjectAltName=IP:127.0.0.1,DNS:temporal.test\\nextendedKeyUsage=serverAuth',
  );
  signCert(dir, 'client', '/CN=client', 'extendedKeyUsage=clientAuth');
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-tls-'));
  makePki();
  server = await startDevServer({ dataDir: join(dir, 'temporal'), port: 0, headless: true });
  const [host, port] = server.address.split(':');
  proxy = createTlsServer(
    {
      key: readFileSync(pem('server.key')),
      cert: readFileSync(pem('server.crt')),
      ca: readFileSync(pem('ca.crt')),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (socket) => {
      const upstream = netConnect(Number(port), host);
      socket.pipe(upstream).pipe(socket);
      const end = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    },
  );
  proxy.on('tlsClientError', () => undefined);
  await new Promise<void>((res) => proxy.listen(0, '127.0.0.1', res));
  proxyAddress = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
after(async () => {
  proxy?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

const mtls = (ca = 'ca.crt') => [
  '--temporal-tls-ca',
  pem(ca),
  '--temporal-tls-cert',
  pem('client.crt'),
  '--temporal-tls-key',
  pem('client.key'),
];

/** Run asynchronously: the proxy serves from this process, so the event loop must stay free. */
function netgrow(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, TEMPORAL_ADDRESS: '', TEMPORAL_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((res) => child.on('close', (status) => res({ status, stdout, stderr })));
}

test('the CLI connects through mTLS', async () => {
  const r = await netgrow([
    'temporal',
    'setup',
    '--temporal-address',
    proxyAddress,
    '--namespace',
    'default',
    ...mtls(),
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /already registered in default|registered in default/);
});

test('the same through the Temporal CLI’s environment variables', async () => {
  const r = await netgrow(
    ['temporal', 'setup', '--temporal-address', proxyAddress, '--namespace', 'default'],
    {
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: pem('ca.crt'),
      TEMPORAL_TLS_CLIENT_CERT_PATH: pem('client.crt'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: pem('client.key'),
    },
  );
  assert.equal(r.status, 0, r.stderr);
});

test('a worker connects through mTLS and polls', async () => {
  const child = spawn(
    process.execPath,
    [
      bin,
      'worker',
      '--roles',
      'training',
      '--parallelism',
      '1',
      '--temporal-address',
      proxyAddress,
      '--namespace',
      'default',
      ...mtls(),
    ],
    { env: { ...process.env, TEMPORAL_API_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('close', (c) => res(c)));
  const deadline = Date.now() + 60_000;
  while (!/^worker \d+: /m.test(out) && child.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGTERM');
  const code = await exited;
  assert.match(out, new RegExp(`^worker \\d+: ${proxyAddress} namespace default, queues`, 'm'), err);
  assert.match(err, /connecting to Temporal at .* \(TLS\)/);
  assert.equal(code, 0, err);
});

test('a CA that did not sign the server: one line, exit 2, naming the setting', async () => {
  const r = await netgrow(['temporal', 'setup', '--temporal-address', proxyAddress, ...mtls('other-ca.crt')]);
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0],
    /^netgrow: cannot connect to Temporal at .*the TLS handshake failed \(.*certificate.*\); check --temporal-tls-ca/,
  );
});

test('a certificate without its key, or a file not there, is the user’s to fix: exit 2', async () => {
  const noKey = await netgrow([
    'temporal',
    'setup',
    '--temporal-address',
    proxyAddress,
    '--temporal-tls-cert',
    pem('client.crt'),
  ]);
  assert.equal(noKey.status, 2, noKey.stderr);
  assert.match(noKey.stderr, /needs its key/);
  const missing = await netgrow([
    'temporal',
    'setup',
    '--temporal-address',
    proxyAddress,
    '--temporal-tls-ca',
    pem('nope.crt'),
  ]);
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /cannot read the Temporal CA certificate .*nope\.crt: ENOENT/);
});

test('an API key from a file goes as `authorization: Bearer`, and into no output', async () => {
  const key = 'ngk_test_7Q2v9xK4mPz8';
  let first: IncomingHttpHeaders | null = null;
  const h2 = createSecureServer({
    key: readFileSync(pem('server.key')),
    cert: readFileSync(pem('server.crt')),
  });
  h2.on('stream', (stream, headers) => {
    first ??= headers;
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'no' },
      { endStream: true },
    );
  });
  await new Promise<void>((res) => h2.listen(0, '127.0.0.1', res));
  try {
    await writeFile(pem('api-key'), `${key}\n`, { mode: 0o600 });
    const address = `127.0.0.1:${(h2.address() as AddressInfo).port}`;
    const r = await netgrow([
      'temporal',
      'setup',
      '--temporal-address',
      address,
      '--temporal-tls-ca',
      pem('ca.crt'),
      '--temporal-api-key-file',
      pem('api-key'),
    ]);
    assert.ok(first, 'the server got a call');
    assert.equal((first as IncomingHttpHeaders).authorization, `Bearer ${key}`);
    assert.notEqual(r.status, 0);
    assert.ok(!(r.stdout + r.stderr).includes(key), r.stderr);
  } finally {
    h2.close();
  }
});
