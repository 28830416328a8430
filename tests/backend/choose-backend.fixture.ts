/**
 * Child process for backend-choice.test.ts (the backend is per process): chooses the backend
 * for a small builtin as `netgrow train` does and prints what happened as one JSON line.
 * argv: arch, batch, cache dir.
 */
import { builtin, initWeights, Rng } from '../../src/graph';
import { tf } from '../../src/backend/tf';
import { chooseRunBackend } from '../../src/train/backend-choice';

async function main(): Promise<void> {
  const [arch, batch, cacheDir] = process.argv.slice(2);
  const inputShape = [28, 28, 1];
  const graph = builtin(arch, { inputShape, numClasses: 10 });
  const lines: string[] = [];
  const choice = await chooseRunBackend(
    {
      graph,
      weights: initWeights(graph, new Rng(0)),
      batch: Number(batch),
      inputShape,
      classes: 10,
      optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false },
    },
    { cacheDir, log: (l) => lines.push(l) },
  );
  console.log(JSON.stringify({ choice, lines, active: tf.getBackend(), tensors: tf.memory().numTensors }));
}

void main();
