/**
 * A connection to Temporal for one netgrow command: a cluster's frontend when an address is
 * configured, else the experiment's embedded dev server — the one a running `netgrow search`
 * already holds (found through server.json beside the SQLite file), or a new one started on
 * that SQLite file. Whoever started the server stops it; the data stays.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { UsageError } from '../contracts/errors';
import { temporalAddressProblem } from '../search/config';
import { DEV_SERVER, NAMESPACE } from '../temporal/config';
import { DevServerError, resolveTemporalCli, startDevServer, type DevServer } from '../temporal/devserver';
import {
  temporalConnectOptions,
  temporalTlsPaths,
  tlsSettingProblem,
  type TemporalAuthFlags,
  type TemporalConnectOptions,
  type TemporalTlsPaths,
} from '../temporal/connection';
import { temporalDir } from './experiment';

export interface TemporalTarget {
  /** host:port of a cluster frontend; null = the embedded dev server. */
  address: string | null;
  namespace: string;
  /** TLS and API key of a cluster (src/temporal/connection.ts); in memory only, never stored. */
  connect?: TemporalConnectOptions;
}

/**
 * `--temporal-address`, else the config's `temporal.address`, else TEMPORAL_ADDRESS, else
 * embedded; with a cluster, its TLS and API key from the flags, the config's `temporal.tls`
 * and the environment.
 */
export function temporalTarget(
  flags: { address?: string; namespace?: string; auth?: TemporalAuthFlags },
  config: { address: string | null; namespace: string; tls?: Partial<TemporalTlsPaths> | null } | null,
  env: NodeJS.ProcessEnv = process.env,
): TemporalTarget {
  const address = flags.address ?? config?.address ?? (env.TEMPORAL_ADDRESS || null);
  const problem = address === null ? null : temporalAddressProblem(address);
  if (problem) {
    const from =
      flags.address !== undefined
        ? '--temporal-address'
        : config?.address
          ? 'temporal.address'
          : 'TEMPORAL_ADDRESS';
    throw new UsageError(`${from} '${address}' ${problem}`);
  }
  const namespace =
    flags.namespace ??
    (config && config.namespace !== NAMESPACE ? config.namespace : undefined) ??
    (env.TEMPORAL_NAMESPACE || NAMESPACE);
  if (address === null) return { address, namespace };
  const auth = flags.auth ?? {};
  const paths = temporalTlsPaths(auth, config?.tls, env);
  return { address, namespace, connect: temporalConnectOptions(paths, auth['temporal-api-key-file'], env) };
}

export interface TemporalSession {
  readonly client: Client;
  readonly address: string;
  readonly namespace: string;
  /** The dev server this session started (null: a cluster, or another process's server). */
  readonly server: DevServer | null;
  /** True when the embedded server belongs to another netgrow process (a search in another terminal). */
  readonly shared: boolean;
  readonly uiUrl: string | null;
  /** A connection for workers in this process (opened on first call). */
  nativeConnection(): Promise<NativeConnection>;
  /** Closes the connections and stops the dev server this session started. */
  close(): Promise<void>;
}

interface ServerFile {
  address: string;
  uiUrl: string | null;
  /** The netgrow process that owns the server. */
  pid: number;
}

export interface OpenOptions {
  /** The experiment's local folder (the SQLite file goes under temporal/). */
  stateDir: string;
  /** Web UI on (search, resume) or off (status, cancel). */
  ui?: boolean;
  /** Connect to a server another netgrow process holds instead of refusing. Default true. */
  shareLive?: boolean;
}

export async function openTemporal(target: TemporalTarget, opts: OpenOptions): Promise<TemporalSession> {
  if (target.address)
    return connect(target.address, target.namespace, null, false, null, undefined, target.connect);
  const dir = temporalDir(opts.stateDir);
  const live = await liveServer(dir);
  if (live) {
    if (opts.shareLive === false) {
      throw new UsageError(
        `the experiment's Temporal server is held by netgrow process ${live.pid} (${live.address}); ` +
          'it is running the experiment already: wait for it, or stop that process (Ctrl-C) first',
      );
    }
    return connect(live.address, NAMESPACE, null, true, live.uiUrl);
  }
  const defaults = (await portFree(DEV_SERVER.port)) && (!opts.ui || (await portFree(DEV_SERVER.uiPort)));
  // The default ports when free (a bookmarked UI keeps working); else any free ones, so two
  // experiments can run side by side. Another process may take a default port between the
  // probe and the server's bind: then once more on free ones.
  const start = (anyPorts: boolean) =>
    startDevServer({ dataDir: dir, headless: !opts.ui, ...(anyPorts ? { port: 0, uiPort: 0 } : {}) });
  let server: DevServer;
  try {
    server = await start(!defaults).catch((e: unknown) => {
      if (defaults && e instanceof DevServerError && resolveTemporalCliOk()) return start(true);
      throw e;
    });
  } catch (e) {
    // A missing CLI or a server that would not start: the message says what to do.
    if (e instanceof DevServerError) throw new UsageError(e.message, 4);
    throw e;
  }
  const file: ServerFile = { address: server.address, uiUrl: server.uiUrl, pid: process.pid };
  writeFileSync(serverFile(dir), JSON.stringify(file) + '\n');
  try {
    return await connect(server.address, server.namespace, server, false, server.uiUrl, dir);
  } catch (e) {
    await server.stop();
    throw e;
  }
}

async function connect(
  address: string,
  namespace: string,
  server: DevServer | null,
  shared: boolean,
  uiUrl: string | null,
  dir?: string,
  auth: TemporalConnectOptions = {},
): Promise<TemporalSession> {
  const connection = await connectClient(address, auth);
  const client = new Client({ connection, namespace });
  let native: Promise<NativeConnection> | undefined;
  let closing: Promise<void> | undefined;
  return {
    client,
    address,
    namespace,
    server,
    shared,
    uiUrl,
    nativeConnection: () => (native ??= NativeConnection.connect({ address, ...auth })),
    close: () =>
      (closing ??= (async () => {
        if (native) await (await native).close().catch(() => undefined);
        await connection.close().catch(() => undefined);
        if (server) {
          await server.stop();
          if (dir) rmSync(serverFile(dir), { force: true });
        }
      })()),
  };
}

/**
 * A client connection; a failure is one line: a TLS setting to fix (exit 2: the same settings
 * fail the same way again) or an outage (exit 4). The message never quotes the API key.
 */
export async function connectClient(address: string, auth: TemporalConnectOptions = {}): Promise<Connection> {
  if (auth.tls) quietIpServerNameWarning();
  try {
    return await Connection.connect({ address, connectTimeout: 10_000, ...auth });
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    const tls = await tlsSettingProblem(address, auth);
    if (tls) {
      throw new UsageError(
        `cannot connect to Temporal at ${address}: ${tls}; check --temporal-tls-ca (the CA that signed ` +
          'the server), --temporal-tls-server-name, and that --temporal-tls-cert/--temporal-tls-key are a pair it trusts',
        2,
      );
    }
    throw new UsageError(
      `cannot reach Temporal at ${address} (${why}); check temporal.address / TEMPORAL_ADDRESS`,
      4,
    );
  }
}

let ipWarningQuiet = false;

/**
 * gRPC's TLS sends the address's host as the SNI name even when it is an IP address, and Node
 * warns about that (DEP0123) on stderr, under netgrow's one error line; the name is still
 * checked against the certificate. Only that warning is dropped.
 */
function quietIpServerNameWarning(): void {
  if (ipWarningQuiet) return;
  ipWarningQuiet = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const code = typeof rest[0] === 'object' ? (rest[0] as { code?: string } | null)?.code : rest[1];
    if (code === 'DEP0123') return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}

const serverFile = (dir: string) => join(dir, 'server.json');

/** A retry on other ports helps only when the CLI is there at all. */
function resolveTemporalCliOk(): boolean {
  try {
    resolveTemporalCli();
    return true;
  } catch {
    return false;
  }
}

/** The embedded server a live netgrow process holds for this experiment, if any. */
async function liveServer(dir: string): Promise<ServerFile | null> {
  const path = serverFile(dir);
  if (!existsSync(path)) return null;
  let file: ServerFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as ServerFile;
  } catch {
    return null;
  }
  if (file.pid === process.pid || !alive(file.pid)) return null;
  const [host, port] = file.address.split(':');
  return (await portFree(Number(port), host)) ? null : file;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function portFree(port: number, host: string = DEV_SERVER.ip): Promise<boolean> {
  const probe = createServer();
  const ok = await new Promise<boolean>((res) => {
    probe.once('error', () => res(false));
    probe.listen(port, host, () => res(true));
  });
  if (ok) await new Promise((res) => probe.close(res));
  return ok;
}
