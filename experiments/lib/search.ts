/**
 * A search run the way a user runs it: `netgrow search --config <file> --headless --json` as a
 * child process (embedded Temporal server, a `netgrow train` child per candidate), then every
 * trained candidate read back from the experiment folder with its parent from lineage.jsonl.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { SearchResult } from '../../src/contracts/search';
import type { TrainResult } from '../../src/contracts/train';
import { collectExperiment, type ExperimentData } from '../../src/report';
import { formatUri, openStore, parseUri } from '../../src/storage';
import { EpochPoint, RunRecord, runRecord } from './training';

export interface SearchCandidate {
  id: string;
  generation: number;
  /** Null for the start model. */
  parent: string | null;
  /** The commands that made it from its parent. */
  ops: string[];
  result: TrainResult;
  /** URI of its (last) training run folder. */
  output: string;
}

export interface SearchRun {
  id: string;
  /** Absolute path of the experiment folder. */
  folder: string;
  result: SearchResult;
  candidates: SearchCandidate[];
  wallSeconds: number;
}

const BIN = resolve(__dirname, '..', '..', 'bin', 'netgrow.js');

/**
 * Writes `config` (a search config object; its storage is set to `<dir>/search`) to
 * `<dir>/<config.name>.yaml`, runs the search, and reads back every completed candidate. The
 * search's progress goes to `<dir>/<config.name>.log`.
 */
export async function runSearch(
  config: Record<string, unknown> & { name: string },
  dir: string,
): Promise<SearchRun> {
  const file = join(dir, `${config.name}.yaml`);
  const storage = join(dir, 'search');
  writeFileSync(file, stringify({ ...config, storage: { uri: formatUri(parseUri(storage)) } }));
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'search', '--config', file, '--headless', '--json'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((ok) => child.on('close', ok));
  const wallSeconds = (performance.now() - t0) / 1000;
  writeFileSync(join(dir, `${config.name}.log`), stderr);
  writeFileSync(join(dir, `${config.name}.out`), stdout);
  if (code !== 0) {
    const why = lastJson(stdout)?.error ?? stderr.trim().split('\n').at(-1) ?? '';
    throw new Error(`netgrow search ${file} exited ${code}: ${why}`);
  }
  return { ...(await readSearch(dir, config.name)), wallSeconds };
}

function lastJson(
  stdout: string,
): { id?: string; result?: SearchResult | null; error?: string | null } | null {
  try {
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null');
  } catch {
    return null;
  }
}

/**
 * A finished search of `dir` as runSearch left it (`<name>.out`, the `--json` line; the
 * experiment under `<dir>/search`), read back without running it again: how a driver reports
 * a search that was started by hand with the config it writes. Its wall time is the span of
 * the experiment's own records: created → last lineage event (the search's end).
 */
export async function readSearch(dir: string, name: string): Promise<SearchRun> {
  const outFile = join(dir, `${name}.out`);
  if (!existsSync(outFile)) throw new Error(`no finished search in ${dir}: ${outFile} is missing`);
  const outcome = lastJson(readFileSync(outFile, 'utf8'));
  if (!outcome?.id || !outcome.result) {
    throw new Error(
      `${outFile}: the search did not finish with a result (${outcome?.error ?? 'no JSON line'})`,
    );
  }
  const folder = join(dir, 'search', 'experiments', outcome.id);
  const exp = openStore(folder);
  const data = await collectExperiment(exp, '');
  const created = Date.parse(data.config?.createdAt ?? '');
  const last = Math.max(...data.lineage.map((e) => Date.parse(e.at)));
  return {
    id: outcome.id,
    folder,
    result: outcome.result,
    candidates: completedCandidates(data, exp.uri),
    wallSeconds: (last - created) / 1000,
  };
}

/**
 * Every candidate whose last run completed, as the HTML report's reader found them, the
 * end-of-search scratch control (`result.scratch.candidateId`) included.
 */
function completedCandidates(data: ExperimentData, uri: string): SearchCandidate[] {
  const out: SearchCandidate[] = [];
  const ids = new Set(data.candidates.map((c) => c.id));
  for (const c of data.candidates) {
    const run = c.runs.filter((r) => r.result !== null).at(-1);
    if (run?.result?.status !== 'completed') continue;
    out.push({
      id: c.id,
      generation: c.generation ?? Number(/^g(\d+)-/.exec(c.id)?.[1] ?? NaN),
      // A grown child's or a continue control's parent; a start model's is outside the search.
      parent: c.parent !== null && ids.has(c.parent) ? c.parent : null,
      ops: c.ops,
      result: run.result,
      output: `${uri}/candidates/${c.id}/runs/${run.runId}`,
    });
  }
  return out;
}

/** The candidate and its ancestors, the start model first. */
export function lineageOf(candidates: readonly SearchCandidate[], id: string): SearchCandidate[] {
  const byId = new Map(candidates.map((c) => [c.id, c]));
  const chain: SearchCandidate[] = [];
  for (let c = byId.get(id); c; c = c.parent ? byId.get(c.parent) : undefined) chain.unshift(c);
  return chain;
}

/**
 * The candidate's training along its lineage as one run record: each ancestor's epochs follow
 * the previous one's, so epoch k is the k-th epoch of training the grown network received;
 * epochs, seconds and training FLOPs are the lineage's sums, the scores the candidate's own.
 */
export async function lineageRecord(
  group: string,
  seed: number,
  chain: readonly SearchCandidate[],
): Promise<RunRecord> {
  const curve: EpochPoint[] = [];
  let wallSeconds = 0;
  let trainFlops: number | null = 0;
  let own: RunRecord | null = null;
  for (const c of chain) {
    const start = curve.at(-1)?.epoch ?? 0;
    own = await runRecord(group, seed, c.output, c.result);
    curve.push(...own.curve.map((p) => ({ ...p, epoch: start + p.epoch })));
    wallSeconds += c.result.wallSeconds;
    trainFlops = trainFlops === null || own.trainFlops === null ? null : trainFlops + own.trainFlops;
  }
  if (!own) throw new Error('an empty lineage');
  return { ...own, epochs: curve.length, wallSeconds, trainFlops, curve };
}

/**
 * Best validation accuracy after each candidate, in the order candidates were made (generation,
 * then index): a strategy's best-against-budget curve; x is the number of candidates trained.
 */
export function bestSoFar(result: SearchResult): Array<{ candidates: number; valAcc: number }> {
  const index = (id: string): number => Number(/-c(\d+)$/.exec(id)?.[1] ?? 0);
  const order = [...result.leaderboard].sort(
    (a, b) => a.generation - b.generation || index(a.candidateId) - index(b.candidateId),
  );
  let best = -Infinity;
  return order.map((e, i) => {
    if (e.valAcc !== null && e.valAcc > best) best = e.valAcc;
    return { candidates: i + 1, valAcc: Number.isFinite(best) ? best : NaN };
  });
}
