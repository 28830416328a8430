/**
 * A search as TensorBoard's HPARAMS tab sees it: under `<experiment>/hparams/`, the experiment
 * summary, and one session per candidate whose training ended — its operation, parent,
 * parameter count, forward FLOPs and generation, its best validation accuracy and loss, and
 * its test accuracy where the search scored it. Everything comes from what storage holds (the
 * same collection as the HTML report), so rewriting is idempotent:
 * `tensorboard --logdir <experiment folder>` shows every candidate in the table and the
 * parallel-coordinates view.
 */
import { countFlops, parseGraphJson } from '../graph';
import {
  HParamSpec,
  hparamsExperimentFile,
  hparamsSessionFile,
  HPARAMS_EVENT_FILE,
  HParamValue,
  MetricSpec,
  SessionStatus,
} from '../log/hparams';
import { ArtifactStore } from '../storage/store';
import { collectExperiment } from './collect';
import { CandidateStatus, Standing, standingOf } from './standing';

export const HPARAMS_DIR = 'hparams';

export const SEARCH_HPARAMS: HParamSpec[] = [
  {
    name: 'operation',
    type: 'string',
    description: 'the command(s) that made the candidate from its parent',
  },
  { name: 'parent', type: 'string', description: 'the candidate it was grown from' },
  { name: 'params', type: 'number', description: 'parameter count' },
  { name: 'flops', type: 'number', description: 'forward FLOPs per sample (2 x multiply-adds)' },
  { name: 'generation', type: 'number', description: 'the generation that made it' },
];
export const SEARCH_METRICS: MetricSpec[] = [
  { tag: 'val_acc', displayName: 'validation accuracy', description: 'best epoch of its best run' },
  { tag: 'val_loss', displayName: 'validation loss', description: 'at that epoch' },
  { tag: 'test_acc', displayName: 'test accuracy', description: 'only for finalists the search scored' },
];

const SESSION_STATUS: Record<CandidateStatus, SessionStatus | null> = {
  completed: 'success',
  stopped: 'success',
  diverged: 'failure',
  failed: 'failure',
  running: null,
  untrained: null,
};

const joinKey = (...parts: string[]): string => parts.filter((p) => p !== '').join('/');
const seconds = (iso: string | null | undefined): number | null => {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) ? ms / 1000 : null;
};

/** Writes the HParams event files of an experiment; returns the keys written. */
export async function writeSearchHParams(store: ArtifactStore, experimentPrefix: string): Promise<string[]> {
  const prefix = experimentPrefix.replace(/^\/+|\/+$/g, '');
  const data = await collectExperiment(store, prefix);
  const created = seconds(data.config?.createdAt) ?? 0;
  const keys: string[] = [];
  const put = async (key: string, body: Uint8Array) => {
    await store.put(key, body);
    keys.push(key);
  };
  await put(
    joinKey(prefix, HPARAMS_DIR, HPARAMS_EVENT_FILE),
    hparamsExperimentFile({
      name: data.config?.name ?? data.id,
      description: `netgrow experiment ${data.id}: one session per trained candidate`,
      createdSecs: created,
      hparams: SEARCH_HPARAMS,
      metrics: SEARCH_METRICS,
    }),
  );
  for (const c of data.candidates) {
    const s = standingOf(c);
    const status = SESSION_STATUS[s.status];
    if (status === null) continue;
    const start = seconds(c.meta?.createdAt) ?? created;
    await put(
      joinKey(prefix, HPARAMS_DIR, c.id, HPARAMS_EVENT_FILE),
      hparamsSessionFile({
        startSecs: start,
        endSecs: start + s.trainSeconds,
        hparams: await sessionHParams(store, joinKey(prefix, 'candidates', c.id), s),
        metrics: sessionMetrics(s),
        status,
        modelUri: s.bestRun?.result?.checkpoint ?? '',
      }),
    );
  }
  return keys;
}

async function sessionHParams(
  store: ArtifactStore,
  folder: string,
  s: Standing,
): Promise<Record<string, HParamValue>> {
  const h: Record<string, HParamValue> = { operation: s.operation ?? 'init', parent: s.parent ?? '(seed)' };
  if (s.params !== null) h.params = s.params;
  try {
    h.flops = countFlops(parseGraphJson(await store.getText(joinKey(folder, 'graph.json')))).forwardFlops;
  } catch {
    // No readable graph (a candidate still being written): the session has no FLOPs value.
  }
  if (s.generation !== null) h.generation = s.generation;
  return h;
}

function sessionMetrics(s: Standing): Array<{ tag: string; value: number }> {
  const m: Array<{ tag: string; value: number }> = [];
  const valLoss = s.bestRun?.result?.best?.valLoss ?? null;
  if (s.valAcc !== null) m.push({ tag: 'val_acc', value: s.valAcc });
  if (valLoss !== null && Number.isFinite(valLoss)) m.push({ tag: 'val_loss', value: valLoss });
  // Last, so that scoring a finalist later only appends to its file.
  if (s.testAcc !== null) m.push({ tag: 'test_acc', value: s.testAcc });
  return m;
}
