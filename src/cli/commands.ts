/* eslint-disable @typescript-eslint/no-require-imports -- lazily loaded command modules (see `lazy`) */
/** The command table. Each module is loaded only when its command runs, so `--help` is fast. */
import { CliCommand } from './command';
import { version } from './version';

type Entry = { summary: string; load: () => Promise<CliCommand> };

/**
 * `require` rather than `import()`: under tsx a dynamic import takes the ESM path, which does
 * not resolve extensionless TypeScript modules; compiled output keeps working the same way.
 */
const lazy = (load: () => unknown) => (): Promise<CliCommand> =>
  Promise.resolve().then(() => load() as CliCommand);

export const COMMANDS: Record<string, Entry> = {
  morph: {
    summary: 'apply growth commands to a network; --check proves the function is kept',
    load: lazy(() => require('./morph')),
  },
  train: {
    summary: 'run one training run from a TrainSpec (what a trainer pod runs)',
    load: lazy(() => require('./train')),
  },
  evaluate: {
    summary: 'score trained checkpoints on the validation and test splits',
    load: lazy(() => require('./evaluate')),
  },
  datasets: {
    summary: 'list datasets, where they are, and how to install missing ones',
    load: lazy(() => require('./datasets')),
  },
  bench: {
    summary: 'benchmarks: bench train (throughput, wasm kernels vs shims)',
    load: lazy(() => require('./bench')),
  },
  search: {
    summary: 'run a search (GA, random, hill climbing) on Temporal, start to report',
    load: lazy(() => require('./search')),
  },
  grow: {
    summary: 'grow a network by an explicit plan of commands, training after each stage',
    load: lazy(() => require('./grow')),
  },
  status: {
    summary: "an experiment's progress, best candidate and leaderboard",
    load: lazy(() => require('./status')),
  },
  resume: {
    summary: 'continue an experiment after Ctrl-C, a crash or a reboot',
    load: lazy(() => require('./resume')),
  },
  cancel: {
    summary: 'cancel an experiment (its running training stops)',
    load: lazy(() => require('./cancel')),
  },
  report: {
    summary: "write an experiment's HTML report",
    load: lazy(() => require('./report')),
  },
  export: {
    summary: 'write a network (best candidate, any candidate or checkpoint) as tfjs, ONNX or Keras',
    load: lazy(() => require('./export')),
  },
  worker: {
    summary: "run netgrow's Temporal workers only (cluster mode)",
    load: lazy(() => require('./worker')),
  },
  temporal: {
    summary: "temporal setup: register netgrow's search attributes on a cluster",
    load: lazy(() => require('./temporal')),
  },
  version: {
    summary: 'print the version',
    load: async () => ({
      help: 'netgrow version — print the version',
      run: async () => {
        console.log(version());
        return 0;
      },
    }),
  },
};
