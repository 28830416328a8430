/**
 * Scores checkpoints in a child `netgrow evaluate` process (spawn.ts): the evaluate and
 * testFinalists activities call this, so that the tfjs passes over the validation and test
 * sets run off the worker's event loop, where they cannot delay heartbeats or reap trainers.
 */
import type { ScoreReport, ScoreSplit, CheckpointScore } from '../train/score';
import { TRAIN_EXIT, type DatasetSpec } from '../contracts/train';
import { ExecutorError } from './executor';
import { runNetgrow, type NetgrowChildOptions } from './spawn';

export interface ScoreRequest {
  checkpoints: readonly string[];
  dataset: DatasetSpec;
  splits: readonly ScoreSplit[];
  /** Names the work in error messages (`evaluate g1-c0`). */
  what: string;
}

export async function scoreInChildProcess(
  req: ScoreRequest,
  opts: Pick<NetgrowChildOptions, 'bin' | 'env' | 'signal'> = {},
): Promise<CheckpointScore[]> {
  const args = [
    'evaluate',
    ...req.checkpoints.flatMap((c) => ['--checkpoint', c]),
    '--dataset',
    JSON.stringify(req.dataset),
    '--split',
    req.splits.join(','),
    '--json',
  ];
  let report: ScoreReport | null = null;
  const logged: string[] = [];
  const { code } = await runNetgrow(args, {
    ...opts,
    onLine: (line, stream) => {
      if (stream === 'stdout' && line.startsWith('{"format":"netgrow.scores/v1"')) {
        report = JSON.parse(line) as ScoreReport;
        return;
      }
      logged.push(line);
      if (logged.length > 5) logged.shift();
    },
  });
  if (opts.signal?.aborted) throw new ExecutorError('cancelled', `${req.what} cancelled`);
  const why = logged.join(' | ');
  if (code === TRAIN_EXIT.badInput) throw new ExecutorError('bad_input', `${req.what}: ${why}`);
  const scores = (report as ScoreReport | null)?.scores;
  if (code !== 0 || !scores || scores.length !== req.checkpoints.length) {
    throw new ExecutorError(
      'infrastructure',
      `${req.what}: netgrow evaluate exited with code ${code}: ${why}`,
    );
  }
  // JSON has no NaN: a score that was NaN (a diverged network) arrives as null.
  return scores.map((s) => ({ ...s, val: finite(s.val), test: finite(s.test) }));
}

function finite(s: { loss: number | null; acc: number | null } | null): CheckpointScore['val'] {
  return s ? { loss: s.loss ?? NaN, acc: s.acc ?? NaN } : null;
}
