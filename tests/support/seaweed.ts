/**
 * A real SeaweedFS S3 server for tests: `weed mini` (master, volume, filer and S3 gateway in one
 * process) on loopback ports, in a temp data dir, with one S3 identity whose keys are generated
 * per run. `weed mini` is used rather than `weed server -s3` because it skips the raft bootstrap
 * wait and is ready in well under a second instead of ~3 s.
 *
 * The server never outlives the test process: besides `stop()` (call it from `after`), a
 * dead-man's-switch shell holds a pipe from this process and SIGKILLs weed when the pipe closes,
 * which also happens when node is killed outright.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';

export interface SeaweedServer {
  /** `http://127.0.0.1:<port>`, the S3 gateway. */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly dataDir: string;
  /** Milliseconds from spawn until the S3 API answered a signed request, for the last start. */
  readonly startupMs: number;
  /** Stops weed (SIGTERM, then SIGKILL after 5 s) and deletes the data dir unless `keepData`. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  /** Stops and starts weed again on the same data dir and ports; data survives. */
  restart(): Promise<void>;
}

const weedBin = resolve(__dirname, '../../.tools/bin/weed');
const portNames = [
  'master.port',
  'master.port.grpc',
  'volume.port',
  'volume.port.grpc',
  'filer.port',
  'filer.port.grpc',
  's3.port',
  's3.port.grpc',
  'admin.port',
  'admin.port.grpc',
] as const;
type Ports = Record<(typeof portNames)[number], number>;

export async function startSeaweed(): Promise<SeaweedServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'netgrow-seaweed-'));
  const accessKeyId = 'NG' + randomBytes(9).toString('hex').toUpperCase();
  const secretAccessKey = randomBytes(24).toString('base64url');
  const identities = {
    identities: [
      {
        name: 'netgrow-test',
        credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }],
        actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
      },
    ],
  };
  await mkdir(join(dataDir, 'data'));
  // Go puts its gRPC unix sockets in TMPDIR; keep them inside the data dir so nothing leaks into /tmp.
  await mkdir(join(dataDir, 'tmp'));
  await writeFile(join(dataDir, 's3.json'), JSON.stringify(identities), { mode: 0o600 });
  const ports = await freePorts();
  const endpoint = `http://127.0.0.1:${ports['s3.port']}`;
  const region = 'us-east-1';
  let weed: RunningWeed | undefined = await launch(dataDir, ports, endpoint, {
    accessKeyId,
    secretAccessKey,
  });
  let startupMs = weed.startupMs;

  const stopWeed = async () => {
    if (weed) await weed.stop();
    weed = undefined;
  };
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    dataDir,
    get startupMs() {
      return startupMs;
    },
    async stop(opts) {
      await stopWeed();
      if (!opts?.keepData) await rm(dataDir, { recursive: true, force: true });
    },
    async restart() {
      await stopWeed();
      weed = await launch(dataDir, ports, endpoint, { accessKeyId, secretAccessKey });
      startupMs = weed.startupMs;
    },
  };
}

interface RunningWeed {
  startupMs: number;
  stop(): Promise<void>;
}

async function launch(
  dataDir: string,
  ports: Ports,
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<RunningWeed> {
  const args = [
    'mini',
    `-dir=${join(dataDir, 'data')}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    ...portNames.map((name) => `-${name}=${ports[name]}`),
    // Off: everything a storage test does not need, so no other port opens.
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    '-webdav=false',
    '-admin.ui=false',
    '-master.telemetry=false',
    // A missing bucket must be an error the store reports, not silently created.
    '-s3.autoCreateBucket=false',
    `-s3.config=${join(dataDir, 's3.json')}`,
    `-filer.localSocket=${join(dataDir, 'tmp', 'filer.sock')}`,
    `-s3.localSocket=${join(dataDir, 'tmp', 's3.sock')}`,
    '-master.volumeSizeLimitMB=64',
  ];
  const logPath = join(dataDir, 'weed.log');
  const log = openSync(logPath, 'a');
  const started = Date.now();
  const child = spawn(weedBin, args, {
    stdio: ['ignore', log, log],
    env: { ...process.env, TMPDIR: join(dataDir, 'tmp') },
  });
  closeSync(log);
  child.unref();
  const exited = new Promise<number | string | null>((res) => {
    child.once('exit', (code, signal) => res(code ?? signal));
    child.once('error', (err) => res(err.message));
  });
  const watchdog = deadMansSwitch(child);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    watchdog.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(forced);
    }
  };

  try {
    await untilReady(endpoint, credentials, exited);
  } catch (err) {
    await stop();
    const tail = readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n');
    throw new Error(`SeaweedFS did not start: ${(err as Error).message}\n--- ${logPath} (tail)\n${tail}`);
  }
  return { startupMs: Date.now() - started, stop };
}

/** A shell that SIGKILLs weed once our end of its stdin pipe closes (we exited or were killed). */
function deadMansSwitch(child: ChildProcess): ChildProcess {
  const guard = spawn(
    '/bin/sh',
    ['-c', 'read -r _; kill -KILL "$1" 2>/dev/null', 'weed-guard', `${child.pid}`],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
    },
  );
  guard.unref();
  (guard.stdin as unknown as Socket).unref();
  return guard;
}

/** Ready = the S3 gateway answers a signed ListBuckets, i.e. IAM config and filer are loaded. */
async function untilReady(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  exited: Promise<number | string | null>,
): Promise<void> {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
  });
  let gone: string | undefined;
  void exited.then((how) => (gone = `weed exited (${how})`));
  const deadline = Date.now() + 30_000;
  let last = '';
  try {
    while (Date.now() < deadline) {
      if (gone) throw new Error(gone);
      try {
        await client.send(new ListBucketsCommand({}));
        return;
      } catch (err) {
        last = (err as Error).name + ': ' + (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`S3 API at ${endpoint} not ready after 30 s (last: ${last})`);
  } finally {
    client.destroy();
  }
}

/** Distinct free loopback ports, all held open at once so none is handed out twice. */
async function freePorts(): Promise<Ports> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < portNames.length; i++) {
      const server = createServer();
      await new Promise<void>((res, rej) => {
        server.once('error', rej);
        server.listen(0, '127.0.0.1', () => res());
      });
      servers.push(server);
    }
    const entries = servers.map((s, i) => [portNames[i], (s.address() as { port: number }).port]);
    return Object.fromEntries(entries) as Ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  }
}
