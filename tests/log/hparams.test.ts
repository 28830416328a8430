/**
 * A search's HParams summaries, read back by TensorBoard's own HParams plugin (its
 * GetExperiment and ListSessionGroups handlers over the folder loaded as `tensorboard --logdir`
 * loads it): the experiment declares the hyperparameters and metrics, and every candidate whose
 * training ended is one session with its operation, parent, parameters, FLOPs, generation and
 * metrics — test accuracy only where the search scored it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { countFlops, parseGraphJson } from '../../src/graph';
import { hparamsSessionFile } from '../../src/log/hparams';
import { collectExperiment, rankStandings, standingOf } from '../../src/report';
import { SEARCH_HPARAMS, writeSearchHParams } from '../../src/report/hparams';
import { FileStore } from '../../src/storage/file-store';
import { writeFixture } from '../report/fixture';

const ROOT = resolve(__dirname, '../..');
const PYTHON = join(ROOT, '.tools/venv/bin/python');
const READER = join(__dirname, 'read_hparams.py');
const PREFIX = 'experiments/e1';

interface Metric {
  name: { tag: string };
  value: number;
}
interface SessionGroup {
  name: string;
  hparams: Record<string, string | number>;
  metricValues?: Metric[];
  sessions: Array<{ status: string }>;
}
interface TensorBoardView {
  runs: string[];
  experiment: {
    name: string;
    hparamInfos: Array<{ name: string; type: string }>;
    metricInfos: Array<{ name: { tag: string } }>;
  };
  session_groups: { sessionGroups?: SessionGroup[]; totalSize?: number };
}

describe('TensorBoard HParams of a search', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netgrow-hparams-'));
  const store = new FileStore(dir);
  let view: TensorBoardView;
  let firstWrite: Map<string, Uint8Array>;

  before(async () => {
    await writeFixture(store, PREFIX);
    const keys = await writeSearchHParams(store, PREFIX);
    firstWrite = new Map(await Promise.all(keys.map(async (k) => [k, await store.get(k)] as const)));
    assert.ok(existsSync(PYTHON), `the tools venv is missing (${PYTHON}); run \`bash scripts/setup.sh\``);
    const { stdout } = await promisify(execFile)(PYTHON, [READER, join(dir, PREFIX)], {
      timeout: 120_000,
      maxBuffer: 16 << 20,
    });
    view = JSON.parse(stdout) as TensorBoardView;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the experiment declares the hyperparameters and the three metrics', () => {
    assert.equal(view.experiment.name, 'fmnist-grow');
    const types = Object.fromEntries(view.experiment.hparamInfos.map((h) => [h.name, h.type]));
    assert.deepEqual(
      types,
      Object.fromEntries(
        SEARCH_HPARAMS.map((h) => [h.name, h.type === 'string' ? 'DATA_TYPE_STRING' : 'DATA_TYPE_FLOAT64']),
      ),
    );
    assert.deepEqual(
      view.experiment.metricInfos.map((m) => m.name.tag),
      ['val_acc', 'val_loss', 'test_acc'],
    );
  });

  test('every candidate whose training ended is a session with its own values', async () => {
    const data = await collectExperiment(store, PREFIX);
    const ended = rankStandings(data.candidates.map(standingOf)).filter(
      (s) => s.status !== 'running' && s.status !== 'untrained',
    );
    const groups = new Map((view.session_groups.sessionGroups ?? []).map((g) => [g.name, g]));
    assert.deepEqual([...groups.keys()].sort(), ended.map((s) => `hparams/${s.id}`).sort());
    assert.ok(ended.length >= 4, 'the fixture has trained candidates');
    for (const s of ended) {
      const g = groups.get(`hparams/${s.id}`)!;
      const graph = parseGraphJson(await store.getText(`${PREFIX}/candidates/${s.id}/graph.json`));
      assert.deepEqual(g.hparams, {
        operation: s.operation ?? 'init',
        parent: s.parent ?? '(seed)',
        params: s.params,
        flops: countFlops(graph).forwardFlops,
        generation: s.generation,
      });
      const metrics = Object.fromEntries((g.metricValues ?? []).map((m) => [m.name.tag, m.value]));
      assert.ok(Math.abs(metrics.val_acc - s.valAcc!) < 1e-6, `${s.id} val_acc`);
      assert.ok(Number.isFinite(metrics.val_loss), `${s.id} val_loss`);
      // Scalars are float32 in event files.
      if (s.testAcc === null) assert.equal(metrics.test_acc, undefined, `${s.id} was never scored on test`);
      else assert.ok(Math.abs(metrics.test_acc - s.testAcc) < 1e-6, `${s.id} test_acc`);
      assert.equal(g.sessions[0].status, 'STATUS_SUCCESS');
    }
    assert.ok(
      ended.some((s) => s.testAcc !== null) && ended.some((s) => s.testAcc === null),
      'the fixture has both scored and unscored finalists',
    );
  });

  test('rewriting is idempotent, and scoring a finalist later only appends to its file', async () => {
    const keys = await writeSearchHParams(store, PREFIX);
    for (const k of keys) assert.deepEqual(await store.get(k), firstWrite.get(k), k);
    const base = {
      startSecs: 1_800_000_000,
      endSecs: 1_800_000_100,
      hparams: { operation: 'wider conv1 x2', params: 10 },
      status: 'success' as const,
    };
    const before = hparamsSessionFile({ ...base, metrics: [{ tag: 'val_acc', value: 0.9 }] });
    const later = hparamsSessionFile({
      ...base,
      metrics: [
        { tag: 'val_acc', value: 0.9 },
        { tag: 'test_acc', value: 0.88 },
      ],
    });
    assert.ok(later.length > before.length);
    assert.deepEqual(later.subarray(0, before.length), before);
  });
});
