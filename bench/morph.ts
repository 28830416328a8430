/**
 * How long one mutation command takes on a VGG16-sized network (the `vgg16` builtin, 32x32x3
 * input, 10 classes: about 20M parameters): planning, validation and the weight maths, from
 * the same trained-looking parent each time. Prints a table (or --json); asserts nothing.
 *
 *   npx tsx bench/morph.ts [--repeat 5] [--json]
 */
import { parseArgs } from 'node:util';
import { builtin, countParams, initWeights, Rng } from '../src/graph';
import { morph } from '../src/morph';

export const BENCH_COMMANDS = [
  'wider conv7 x2',
  'wider conv13 x2',
  'wider fc1 x2',
  'deeper conv10',
  'deeper fc1',
  'deeper conv3 pool=max',
  'kernel conv9 5',
  'skip conv8 conv10',
  'group conv11 4',
  'branch conv12',
  'insert conv5 bn',
  'insert conv5 dropout=0.3',
];

export interface MorphBenchRow {
  command: string;
  /** Median wall time of one command, milliseconds. */
  ms: number;
  paramsBefore: number;
  paramsAfter: number;
}

export function benchMorph(repeat = 5): MorphBenchRow[] {
  const graph = builtin('vgg16', { inputShape: [32, 32, 3], numClasses: 10 });
  const weights = initWeights(graph, new Rng(1));
  const before = countParams(graph);
  return BENCH_COMMANDS.map((command) => {
    const times: number[] = [];
    let after = 0;
    for (let i = 0; i < repeat; i++) {
      const t0 = performance.now();
      const child = morph(graph, weights, command, new Rng(i));
      times.push(performance.now() - t0);
      after = countParams(child.graph);
    }
    times.sort((a, b) => a - b);
    return { command, ms: times[Math.floor(times.length / 2)], paramsBefore: before, paramsAfter: after };
  });
}

if (require.main === module) {
  const { values } = parseArgs({
    options: { repeat: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } },
  });
  const rows = benchMorph(Number(values.repeat));
  if (values.json) {
    console.log(JSON.stringify({ network: 'vgg16 32x32x3', rows }));
  } else {
    console.log(
      `vgg16 (32x32x3, 10 classes, ${rows[0].paramsBefore.toLocaleString('en-US')} params), median of ${values.repeat}`,
    );
    const width = Math.max(...rows.map((r) => r.command.length));
    for (const r of rows) {
      console.log(
        `  ${r.command.padEnd(width)}  ${r.ms.toFixed(1).padStart(7)} ms   params → ${r.paramsAfter.toLocaleString('en-US')}`,
      );
    }
  }
}
