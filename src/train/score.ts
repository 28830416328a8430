/**
 * Scoring trained checkpoints on a dataset's validation and test splits, in inference mode:
 * what `netgrow evaluate` runs in its own process. A search scores only its finalists' test
 * split this way, once, after the search; validation comes from the trainer's own result.
 *
 * The split follows `dataset.splitSeed`, as training's does, so a checkpoint is measured on the
 * rows it was not trained on. Without a splitSeed (a spec from outside a search) the split is
 * seeded with 0, which is training's only when its seed was 0; searches always set it.
 */
import { countParams, Graph, Weights } from '../graph';
import { loadStagedTrainingData } from './staged-data';
import { buildModel } from '../model/build';
import { readCheckpoint } from '../model/checkpoint';
import { tf } from '../backend/tf';
import type { ArtifactStore } from '../storage/store';
import type { DatasetSpec } from '../contracts/train';

export type ScoreSplit = 'val' | 'test';
export const SCORE_SPLITS: readonly ScoreSplit[] = ['val', 'test'];

export interface SetScore {
  loss: number;
  acc: number;
}

export interface CheckpointScore {
  checkpoint: string;
  params: number;
  /** Null when not asked for, or the dataset has no such split (or an empty one). */
  val: SetScore | null;
  test: SetScore | null;
}

/** What `netgrow evaluate --json` prints: one line, this object. */
export interface ScoreReport {
  format: 'netgrow.scores/v1';
  scores: CheckpointScore[];
}

export async function scoreCheckpoints(req: {
  checkpoints: readonly string[];
  dataset: DatasetSpec;
  splits: readonly ScoreSplit[];
  openStore: (uri: string) => ArtifactStore;
  /** Called after each batch (a caller in an activity heartbeats here). */
  onBatch?: () => void;
}): Promise<CheckpointScore[]> {
  const data = await loadStagedTrainingData(
    { seed: req.dataset.splitSeed ?? 0, dataset: req.dataset },
    { open: req.openStore },
  );
  const scores: CheckpointScore[] = [];
  for (const uri of req.checkpoints) {
    const ck = await readCheckpoint(req.openStore(uri), '');
    const score = (split: ScoreSplit): SetScore | null => {
      const set = data[split];
      return req.splits.includes(split) && set && set.count > 0
        ? scoreSet(ck.graph, ck.weights, set, data.inputShape, req.onBatch)
        : null;
    };
    scores.push({ checkpoint: uri, params: countParams(ck.graph), val: score('val'), test: score('test') });
  }
  return scores;
}

/** Mean cross-entropy and accuracy, batched, on logits (the graph's softmax is cut off). */
export function scoreSet(
  g: Graph,
  w: Weights,
  set: { x: Float32Array; y: Int32Array; count: number },
  inputShape: readonly number[],
  onBatch: () => void = () => undefined,
  batchSize = 256,
): SetScore {
  const model = buildModel(g, w, { logits: true });
  const per = inputShape.reduce((a, b) => a * b, 1);
  let lossSum = 0;
  let hits = 0;
  try {
    for (let i = 0; i < set.count; i += batchSize) {
      const n = Math.min(batchSize, set.count - i);
      const [l, c] = tf.tidy(() => {
        const x = tf.tensor(set.x.subarray(i * per, (i + n) * per), [n, ...inputShape]);
        const y = tf.tensor1d(set.y.subarray(i, i + n), 'int32');
        const logits = model.predict(x) as tf.Tensor2D;
        const loss = tf.losses.softmaxCrossEntropy(
          tf.oneHot(y, logits.shape[1]),
          logits,
          undefined,
          undefined,
          tf.Reduction.SUM,
        );
        const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32'));
        return tf.stack([loss, correct]).dataSync();
      });
      lossSum += l;
      hits += c;
      onBatch();
    }
  } finally {
    model.dispose();
  }
  return set.count === 0 ? { loss: NaN, acc: NaN } : { loss: lossSum / set.count, acc: hits / set.count };
}
