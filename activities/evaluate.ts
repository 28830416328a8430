/**
 * evaluate: the trained checkpoint on the validation and test splits, in inference mode —
 * the numbers the search ranks candidates by. Every candidate of an experiment is measured
 * on the same rows it was not trained on: the split follows `dataset.splitSeed`, which the
 * workflow sets to the experiment's seed for training and evaluation alike.
 */
import { Context } from '@temporalio/activity';
import type { EvaluateInput, EvaluateOutput } from '../src/contracts/activities';
import { initBackend } from '../src/backend';
import { countParams, Graph, Weights } from '../src/graph';
import { readCheckpoint } from '../src/model/checkpoint';
import { buildModel } from '../src/model/build';
import { tf } from '../src/backend/tf';
import { loadTrainingData } from '../src/data';
import { ActivityDeps } from './context';
import { failingClearly } from './failures';

export function evaluateActivity(deps: ActivityDeps) {
  return (input: EvaluateInput): Promise<EvaluateOutput> =>
    failingClearly(`evaluate ${input.candidateId}`, async () => {
      await initBackend({ log: deps.log ?? (() => undefined) });
      const ck = await readCheckpoint(deps.openStore(input.checkpoint), '');
      // Without a splitSeed (a spec from outside a search) training split with seed 0 only if
      // its own seed was 0; searches always set it (src/search/train-spec.ts).
      const seed = input.dataset.splitSeed ?? 0;
      const data = await loadTrainingData({ seed, dataset: input.dataset });
      const beat = () => heartbeat();
      const val = data.val ? scoreSet(ck.graph, ck.weights, data.val, data.inputShape, beat) : null;
      const test = data.test ? scoreSet(ck.graph, ck.weights, data.test, data.inputShape, beat) : null;
      return {
        valAcc: val?.acc ?? NaN,
        valLoss: val?.loss ?? NaN,
        testAcc: test?.acc ?? null,
        testLoss: test?.loss ?? null,
        params: countParams(ck.graph),
      };
    });
}

/** Outside an activity (a direct call from a test or the CLI) there is nothing to beat to. */
function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // not in an activity context
  }
}

/** Mean cross-entropy and accuracy, batched, on logits (the graph's softmax is cut off). */
export function scoreSet(
  g: Graph,
  w: Weights,
  set: { x: Float32Array; y: Int32Array; count: number },
  inputShape: readonly number[],
  onBatch: () => void = () => undefined,
  batchSize = 256,
): { loss: number; acc: number } {
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
