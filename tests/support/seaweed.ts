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
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { get } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { freePorts as freeLocalPorts, lostPortRace, PortRace, retryPortRace } from './ports';

export interface SeaweedServer {
  /** `http://<ip>:<port>`, the S3 gateway (127.0.0.1 unless `ip` was given). */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly dataDir: string;
  /** Milliseconds from spawn until the S3 API answered a signed request, for the last start. */
  readonly startupMs: number;
  /** The weed process id while it runs. */
  readonly pid: number | undefined;
  /** Stops weed (SIGTERM, then SIGKILL after 3 s) and deletes the data dir unless `keepData`. */
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

export interface SeaweedOptions {
  /**
   * The one local address weed binds (default 127.0.0.1): the real node's pods reach this
   * machine only at their bridge's gateway address (scripts/k8s-testenv/up.sh).
   */
  ip?: string;
  /** The weed binary (default .tools/bin/weed); tests plant a racing one. */
  executable?: string;
}

export async function startSeaweed(opts: SeaweedOptions = {}): Promise<SeaweedServer> {
  const ip = opts.ip ?? '127.0.0.1';
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
  // For the filer's and gateway's local unix sockets, which default to /tmp.
  await mkdir(join(dataDir, 'tmp'));
  await writeFile(join(dataDir, 's3.json'), JSON.stringify(identities), { mode: 0o600 });
  const bin = opts.executable ?? weedBin;
  const credentials = { accessKeyId, secretAccessKey };
  // The ports are found free, then bound by weed: a start that lost one of them to another
  // process is retried on fresh ports (tests/support/ports.ts), on an emptied data dir.
  let ports = {} as Ports;
  let endpoint = '';
  let weed: RunningWeed | undefined = await retryPortRace(async (attempt) => {
    if (attempt > 1) {
      await rm(join(dataDir, 'data'), { recursive: true, force: true });
      await mkdir(join(dataDir, 'data'));
    }
    ports = await freePorts(ip);
    endpoint = `http://${ip}:${ports['s3.port']}`;
    return launch(bin, dataDir, ports, ip, endpoint, credentials);
  }).catch(async (err: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  });
  const region = 'us-east-1';
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
    get pid() {
      return weed?.pid;
    },
    async stop(opts) {
      await stopWeed();
      if (!opts?.keepData) await rm(dataDir, { recursive: true, force: true });
    },
    async restart() {
      const volumes = await volumeCount(ip, ports['master.port']).catch(() => 0);
      await stopWeed();
      weed = await launch(bin, dataDir, ports, ip, endpoint, credentials);
      // The S3 API answers before the volume server has re-registered its volumes with the
      // master; reads in that window fail with InternalError, so wait for all of them.
      await until(
        async () => (await volumeCount(ip, ports['master.port'])) >= volumes,
        'volumes re-registered',
      );
      startupMs = weed.startupMs;
    },
  };
}

interface RunningWeed {
  startupMs: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

async function launch(
  bin: string,
  dataDir: string,
  ports: Ports,
  ip: string,
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<RunningWeed> {
  const args = [
    'mini',
    `-dir=${join(dataDir, 'data')}`,
    `-ip=${ip}`,
    `-ip.bind=${ip}`,
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
    // Mini waits a second before stopping the volume server, for load balancers; tests have none.
    '-volume.preStopSeconds=0',
  ];
  const logPath = join(dataDir, 'weed.log');
  // Where this launch's lines start in the (appended) log.
  const logOffset = existsSync(logPath) ? statSync(logPath).size : 0;
  const log = openSync(logPath, 'a');
  const started = Date.now();
  const child = spawn(bin, args, {
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  const exited = new Promise<number | string | null>((res) => {
    child.once('exit', (code, signal) => res(code ?? signal));
    child.once('error', (err) => res(err.message));
  });
  const watchdog = deadMansSwitch(child, dataDir, ports);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.ref(); // an unref'd child alone would let node exit before weed has gone
      child.kill('SIGTERM');
      // Graceful stop takes ~1.5 s, but weed's volume server now and then never finishes its
      // own; its data is on disk by then, so a kill loses nothing (the restart test checks).
      const forced = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(forced);
    }
    process.removeListener('exit', killOnExit);
    watchdog.kill('SIGKILL');
    for (const socket of grpcSockets(ports)) rmSync(socket, { force: true });
  };

  try {
    await untilReady(endpoint, credentials, exited);
  } catch (err) {
    await stop();
    const text = readFileSync(logPath, 'utf8');
    const tail = text.split('\n').slice(-30).join('\n');
    const Err = lostPortRace(text.slice(logOffset)) ? PortRace : Error;
    throw new Err(`SeaweedFS did not start: ${(err as Error).message}\n--- ${logPath} (tail)\n${tail}`);
  }
  return { startupMs: Date.now() - started, pid: child.pid, stop };
}

/**
 * A shell that, once our end of its stdin pipe closes (this process exited or was killed before
 * `stop()`), SIGKILLs weed and removes what it leaves: the data dir and the gRPC sockets.
 */
function deadMansSwitch(child: ChildProcess, dataDir: string, ports: Ports): ChildProcess {
  const script = 'read -r _; kill -KILL "$1" 2>/dev/null; sleep 0.5; shift; rm -rf "$@"';
  const guard = spawn(
    '/bin/sh',
    ['-c', script, 'weed-guard', `${child.pid}`, dataDir, ...grpcSockets(ports)],
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
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // see src/storage/s3-config.ts
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

/**
 * weed puts a unix socket beside each gRPC port in /tmp whatever TMPDIR says, and does not always
 * remove them; the ports are ours, so are the sockets.
 */
function grpcSockets(ports: Ports): string[] {
  const roles = ['master', 'volume', 'filer', 's3', 'admin'] as const;
  return roles.map((role) => `/tmp/seaweedfs-${role}-grpc-${ports[`${role}.port.grpc`]}.sock`);
}

/** Volumes the master knows of, from its topology (`/dir/status`). */
async function volumeCount(ip: string, masterPort: number): Promise<number> {
  // No keep-alive: an idle pooled connection would hold up weed's graceful shutdown.
  const body = await new Promise<string>((res, rej) => {
    const req = get({ host: ip, port: masterPort, path: '/dir/status', agent: false }, (r) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (text += c));
      r.on('end', () => res(text));
    });
    req.on('error', rej);
  });
  const status = JSON.parse(body) as {
    Topology?: { DataCenters?: { Racks?: { DataNodes?: { Volumes?: number }[] }[] }[] };
  };
  let count = 0;
  for (const dc of status.Topology?.DataCenters ?? []) {
    for (const rack of dc.Racks ?? []) for (const node of rack.DataNodes ?? []) count += node.Volumes ?? 0;
  }
  return count;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`SeaweedFS: ${what} not reached within ${timeoutMs} ms`);
}

/** Distinct free ports on `ip`, one per name. */
async function freePorts(ip: string): Promise<Ports> {
  const ports = await freeLocalPorts(portNames.length, ip);
  return Object.fromEntries(portNames.map((name, i) => [name, ports[i]])) as Ports;
}
