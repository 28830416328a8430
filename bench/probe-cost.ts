/**
 * What the per-run backend probe costs: chooseRunBackend (src/train/backend-choice.ts) for a
 * builtin in this fresh process with an empty cache, as `netgrow train` calls it. Prints the
 * choice, each backend's fastest step and the seconds the choice took (both backends started,
 * two models built, warm-up and timed steps; TensorFlow's and wasm's loading included).
 *
 *   npx tsx bench/probe-cost.ts [arch=lenet] [batch=64]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtin, initWeights, Rng } from '../src/graph';
import { chooseRunBackend } from '../src/train/backend-choice';

async function main(): Promise<void> {
  const [arch = 'lenet', batch = '64'] = process.argv.slice(2);
  const inputShape = [28, 28, 1];
  const graph = builtin(arch, { inputShape, numClasses: 10 });
  const target = {
    graph,
    weights: initWeights(graph, new Rng(0)),
    batch: Number(batch),
    inputShape,
    classes: 10,
    optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false } as const,
  };
  const cacheDir = mkdtempSync(join(tmpdir(), 'netgrow-probe-'));
  const t0 = performance.now();
  const c = await chooseRunBackend(target, { cacheDir, log: () => undefined });
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `${arch} batch ${batch}: ${c.name} (${c.how}), ${JSON.stringify(c.msPerStep)} ms/step, ${seconds.toFixed(2)} s`,
  );
}

void main();
