/**
 * The chaos harness: a GA search of small candidates on the real Temporal dev server and the
 * real SeaweedFS S3 server, trained by `netgrow worker` with the process executor, while a
 * seeded schedule injects faults one after another at random moments. When the search has
 * ended, `verify` checks from storage and Temporal history alone that nothing was lost or done
 * twice. tests/chaos/chaos.test.ts runs a short schedule in CI; bench/chaos.ts the long one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Rng } from '../../src/graph/rng';
import { experimentRecord, writeExperimentRecord } from '../../src/experiment/experiment';
import { SearchConfig } from '../../src/search/config';
import { openStore, type ArtifactStore } from '../../src/storage';
import { startSearch } from '../../src/temporal/client';
import { startDevServer, type DevServer, type DevServerOptions } from '../../src/temporal/devserver';
import { startSeaweed } from '../support/seaweed';
import { startS3Switch } from './s3-switch';
import { verifyChaos, type Verdict } from './verify';

export const FAULT_KINDS = [
  'kill-worker',
  'kill-trainer',
  'kill-temporal',
  'kill-s3',
  's3-outage',
  'write-failure',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ChaosOptions {
  /** Scratch folder: server data, logs, NETGROW_HOME. */
  dir: string;
  seed: number;
  /** Candidates = 1 + population × generations. */
  population: number;
  generations: number;
  /** Faults to inject; fewer when the search ends first. */
  faults: number;
  /** Pause between two faults, drawn uniformly from [min, max] ms. */
  gapMs: [number, number];
  /** How long S3 is unreachable in an `s3-outage`; how long uploads fail in a `write-failure`. */
  outageMs: number;
  writeFailureMs: number;
  /** The kinds to draw from; default all of FAULT_KINDS. */
  kinds?: readonly FaultKind[];
  /** Training runs at once on the worker. */
  parallelism?: number;
  log?: (line: string) => void;
}

export interface InjectedFault {
  kind: FaultKind;
  /** Seconds since the search started. */
  at: number;
  note: string;
}

export interface ChaosReport {
  experimentId: string;
  seed: number;
  expectedCandidates: number;
  faults: InjectedFault[];
  /** Worker processes that ended without being killed by the harness (restarted like a supervisor would). */
  workerExits: number;
  wallSeconds: number;
  verdict: Verdict;
}

const ROOT = resolve(__dirname, '../..');
const NETGROW = join(ROOT, 'bin', 'netgrow.js');
const BUCKET = 'netgrow-chaos';

export function chaosConfig(opts: Pick<ChaosOptions, 'seed' | 'population' | 'generations' | 'parallelism'>) {
  return SearchConfig.parse({
    name: 'chaos',
    seed: opts.seed,
    dataset: { name: 'synthetic:8x8x1:256:4c', validation: 0.25 },
    start: { arch: 'seed-ga' },
    strategy: { kind: 'ga', population: opts.population, generations: opts.generations },
    train: { epochs: 2, batchSize: 32 },
    executor: { kind: 'process', parallelism: opts.parallelism ?? 2 },
    // The default budget (40) would cut a 41-candidate run short.
    budget: { candidates: 1 + opts.population * opts.generations },
  });
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? (() => undefined);
  const rng = new Rng(opts.seed);
  await mkdir(opts.dir, { recursive: true });
  const s3 = await startSeaweed();
  const sw = await startS3Switch(s3.endpoint);
  const direct = {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    NETGROW_HOME: join(opts.dir, 'home'),
  };
  // The harness reads and checks storage directly; workers and trainers go through the switch.
  Object.assign(process.env, direct);
  const workerEnv = { ...process.env, ...direct, AWS_ENDPOINT_URL_S3: sw.endpoint };
  await openStore(`s3://${BUCKET}/setup`, { createBucket: true }).put('ready', 'yes');

  const serverOpts: DevServerOptions = {
    dataDir: join(opts.dir, 'temporal'),
    port: 0,
    headless: true,
    dynamicConfig: { 'history.workflowIdReuseMinimalInterval': '0s' },
  };
  let server: DevServer = await startDevServer(serverOpts);
  serverOpts.port = Number(server.address.split(':')[1]);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });

  const config = chaosConfig(opts);
  const id = `chaos-${opts.seed}-${Date.now().toString(36)}`;
  const record = experimentRecord('search', id, `s3://${BUCKET}/runs`, config);
  await writeExperimentRecord(record);
  const exp: ArtifactStore = openStore(record.experimentUri);

  // The worker, restarted like a supervisor would whenever it ends.
  let workerN = 0;
  let worker: ChildProcess;
  let workerExits = 0;
  let killingWorker = false;
  let finished = false;
  const startWorker = () => {
    const out = openSync(join(opts.dir, `worker-${++workerN}.log`), 'a');
    const child = spawn(
      process.execPath,
      [
        NETGROW,
        'worker',
        '--temporal-address',
        server.address,
        '--parallelism',
        String(opts.parallelism ?? 2),
      ],
      { cwd: ROOT, env: workerEnv, stdio: ['ignore', out, out] },
    );
    child.once('exit', (code, signal) => {
      if (finished || child !== worker) return;
      if (!killingWorker) {
        workerExits++;
        log(`worker ${workerN} ended by itself (${code ?? signal}); restarting`);
      }
      killingWorker = false;
      setTimeout(() => {
        if (!finished) worker = startWorker();
      }, 1000);
    });
    return child;
  };
  worker = startWorker();

  const t0 = Date.now();
  const handle = await startSearch(client, { experimentId: id, experimentUri: record.experimentUri, config });
  const expectedCandidates = 1 + opts.population * opts.generations;
  log(`search ${id}: ${expectedCandidates} candidates, ${opts.faults} faults planned`);

  let ended = false;
  const searchEnded = (async () => {
    for (;;) {
      try {
        const { status } = await client.workflow.getHandle(id).describe();
        if (status.name !== 'RUNNING') break;
      } catch {
        // the server is down for a fault: ask again
      }
      await sleep(1000);
    }
    ended = true;
  })();

  const kinds = schedule(rng, opts.faults, opts.kinds ?? FAULT_KINDS);
  const faults: InjectedFault[] = [];
  const inject = async (kind: FaultKind): Promise<string | null> => {
    switch (kind) {
      case 'kill-worker': {
        killingWorker = true;
        worker.kill('SIGKILL');
        return `worker pid ${worker.pid}`;
      }
      case 'kill-trainer': {
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline && !ended) {
          const pids = trainersOf(sw.endpoint);
          if (pids.length > 0) {
            const pid = pids[rng.int(pids.length)];
            process.kill(pid, 'SIGKILL');
            return `trainer pid ${pid}`;
          }
          await sleep(250);
        }
        return null;
      }
      case 'kill-temporal': {
        const pid = server.pid!;
        process.kill(pid, 'SIGKILL');
        await server.stop();
        const t = Date.now();
        server = await startDevServer(serverOpts);
        return `server pid ${pid}, restarted on the same SQLite file in ${Date.now() - t} ms`;
      }
      case 'kill-s3': {
        const pid = s3.pid!;
        process.kill(pid, 'SIGKILL');
        const t = Date.now();
        await s3.restart();
        return `weed pid ${pid}, restarted on the same data in ${Date.now() - t} ms`;
      }
      case 's3-outage':
        sw.state = 'down';
        await sleep(opts.outageMs);
        sw.state = 'up';
        return `S3 unreachable for ${opts.outageMs / 1000} s`;
      case 'write-failure':
        sw.state = 'failWrites';
        await sleep(opts.writeFailureMs);
        sw.state = 'up';
        return `uploads answered 500 for ${opts.writeFailureMs / 1000} s`;
    }
  };

  try {
    for (const kind of kinds) {
      await Promise.race([sleep(rng.uniform(opts.gapMs[0], opts.gapMs[1])), searchEnded]);
      if (ended) break;
      const at = (Date.now() - t0) / 1000;
      const note = await inject(kind);
      if (note === null) continue;
      faults.push({ kind, at, note });
      log(`${at.toFixed(1)} s: ${kind} (${note})`);
    }
    await searchEnded;
    const result = await handle.result();
    const wallSeconds = (Date.now() - t0) / 1000;
    log(`search ended after ${wallSeconds.toFixed(0)} s: ${result.candidates} candidates (${result.reason})`);
    finished = true;
    killingWorker = true;
    worker.kill('SIGTERM');
    await new Promise((r) =>
      worker.exitCode !== null || worker.signalCode !== null ? r(null) : worker.once('exit', r),
    );
    const verdict = await verifyChaos({
      client,
      exp,
      experimentId: id,
      expectedCandidates,
      result,
      trainersLeft: () => trainersOf(sw.endpoint),
    });
    return {
      experimentId: id,
      seed: opts.seed,
      expectedCandidates,
      faults,
      workerExits,
      wallSeconds,
      verdict,
    };
  } finally {
    finished = true;
    if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    await connection.close();
    await server.stop();
    await sw.close();
    await s3.stop();
  }
}

/** Every kind at least once per round, in a seeded order. */
function schedule(rng: Rng, n: number, from: readonly FaultKind[]): FaultKind[] {
  const out: FaultKind[] = [];
  while (out.length < n) {
    const round = [...from];
    for (let i = round.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [round[i], round[j]] = [round[j], round[i]];
    }
    out.push(...round);
  }
  return out.slice(0, n);
}

/** `netgrow train` processes of this harness: their environment names its S3 switch. */
export function trainersOf(endpoint: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmd.includes('netgrow.js\0train\0')) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (environ.includes(`AWS_ENDPOINT_URL_S3=${endpoint}\0`)) pids.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return pids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
