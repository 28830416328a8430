/**
 * The TrainSpec: everything one training run needs, and the only input of
 * `netgrow train --spec`. The same JSON is what an executor hands to a child process or a
 * Kubernetes pod, and what the orchestration layer builds from a search config. Keep it
 * small, explicit and versioned: it crosses process and machine boundaries.
 */
import { z } from 'zod';
import { StagedDataset } from './dataset-manifest';

export const OptimizerSpec = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('sgd'),
    lr: z.number().positive().default(0.05),
    momentum: z.number().min(0).max(1).default(0.9),
    nesterov: z.boolean().default(false),
  }),
  z.strictObject({
    kind: z.literal('adam'),
    lr: z.number().positive().default(0.001),
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.999),
    epsilon: z.number().positive().default(1e-7),
  }),
]);
export type OptimizerSpec = z.infer<typeof OptimizerSpec>;

/**
 * Linear warm-up before any schedule: over the first `warmupEpochs` (fractions allowed) the
 * schedule's rate is scaled by a factor that rises linearly, step by step, to 1 (Goyal et al.
 * 2017); absent or 0 = none. src/train/warmup.ts.
 */
const Warmup = { warmupEpochs: z.number().min(0).optional() };

export const ScheduleSpec = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant'), ...Warmup }),
  z.strictObject({
    kind: z.literal('step'),
    every: z.number().int().positive(),
    factor: z.number().positive().default(0.1),
    ...Warmup,
  }),
  z.strictObject({ kind: z.literal('cosine'), minLr: z.number().min(0).default(0), ...Warmup }),
  // The seed: ReduceLROnPlateau(factor=sqrt(0.1), patience=10) on val loss.
  z.strictObject({
    kind: z.literal('plateau'),
    factor: z.number().positive().default(Math.sqrt(0.1)),
    patience: z.number().int().positive().default(10),
    minLr: z.number().min(0).default(0),
    ...Warmup,
  }),
]);
export type ScheduleSpec = z.infer<typeof ScheduleSpec>;

/**
 * Sizes no run can use, refused with the field and the limit before anything starts (instead
 * of a worker failing on an allocation): more images than any dataset netgrow reads, a batch
 * no accelerator holds, more epochs than any run finishes.
 */
export const SIZE_LIMITS = { images: 100_000_000, batchSize: 65_536, epochs: 10_000 } as const;

export const DatasetSpec = z.strictObject({
  name: z.string().min(1).default('fashion-mnist'),
  /** Fraction (0,1] or absolute count (>1) of the training set to use. */
  limit: z.number().positive().max(SIZE_LIMITS.images).default(1),
  /** Fraction of the (limited) training set held out for validation. */
  validation: z.number().min(0).max(0.9).default(0.1),
  augment: z.boolean().default(false),
  preprocess: z.enum(['seed', 'standardize', 'none']).default('standardize'),
  /** Extra unlabeled images used only for distillation. */
  transfer: z.string().optional(),
  dataDir: z.string().optional(),
  /**
   * Seeds the limit subset and the validation split (default: the run's seed). A search sets it
   * to the experiment's seed, so every candidate trains and is evaluated on the same rows.
   */
  splitSeed: z.number().int().min(0).optional(),
  /**
   * A copy of the dataset in storage (src/contracts/dataset-manifest.ts), for a trainer that
   * finds none where it looks: it fetches the files into its dataset cache and verifies them
   * first. Launching a search on s3:// storage sets it; a local run never needs it.
   */
  staged: StagedDataset.optional(),
});
export type DatasetSpec = z.infer<typeof DatasetSpec>;

export const TrainSpec = z.strictObject({
  format: z.literal('netgrow.trainspec/v1').default('netgrow.trainspec/v1'),
  runId: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
  /**
   * URI of the checkpoint to start from (folder with graph.json, weights.*, meta.json), or
   * `builtin:<name>` for a fresh builtin architecture sized to the dataset, seeded by `seed`.
   */
  checkpoint: z.string().min(1),
  /** URI of the run folder: epochs/, train.csv, tfevents, result.json go here. */
  output: z.string().min(1),
  /** Continue from the last complete epoch checkpoint under `output`, when there is one. */
  resume: z.boolean().default(true),
  /**
   * What the run trains on: a tfjs backend, or `graph` (the graph engine). `netgrow train
   * --backend` overrides it and it overrides NETGROW_BACKEND; absent: NETGROW_BACKEND, else the
   * faster of tensorflow and wasm for the run's network (a probe). A search sets it for every
   * candidate from its config's `train.backend`.
   */
  backend: z.enum(['tensorflow', 'wasm', 'cpu', 'graph']).optional(),
  seed: z.number().int().default(0),
  dataset: DatasetSpec.default(DatasetSpec.parse({})),
  epochs: z.number().int().positive().max(SIZE_LIMITS.epochs).default(2),
  /** Stop after this many optimizer steps in total (0 = no limit); for quick runs and tests. */
  maxSteps: z.number().int().min(0).default(0),
  /**
   * Pause once this many epochs are done (0 = never): the run ends `stopped` with that epoch's
   * checkpoint, and the same spec without the pause resumes it (a search's early-stop rung).
   */
  pauseAfterEpoch: z.number().int().min(0).default(0),
  /**
   * `lineage`: go on where the start checkpoint's lineage stopped (its `extra.continuation`,
   * which runs in this mode write): the schedule runs on from the lineage's epoch over
   * `lineageEpochs`, and the optimizer state carried through the morphism is loaded. A start
   * without one (a builtin, a graph.json) is a lineage's first run. `restart`: a schedule over
   * this run's epochs and fresh optimizer state.
   */
  continue: z.enum(['lineage', 'restart']).default('restart'),
  /** The lineage schedule's length in epochs; null = the lineage's epochs so far plus this run's. */
  lineageEpochs: z.number().int().positive().nullable().default(null),
  /**
   * Scheduled growth: at each `at` (a fraction of this run's epochs, rounded to an epoch
   * boundary) the network grows by `ops` (morph commands, `;`-separated), its weights and
   * optimizer state through the same map, and training goes on along the same schedule.
   * `init: random` draws the new units from their parameters' initialisers instead of the
   * function-preserving values (as a search's `mutation.init`; src/morph/random-init.ts).
   */
  grow: z
    .array(
      z.strictObject({
        at: z.number().gt(0).lt(1),
        ops: z.string().min(1),
        init: z.enum(['preserve', 'random']).default('preserve'),
      }),
    )
    .default([]),
  batchSize: z.number().int().positive().max(SIZE_LIMITS.batchSize).default(64),
  optimizer: OptimizerSpec.default({ kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false }),
  /**
   * Cosine annealing over the run's epochs by default: on Fashion-MNIST/lenet it is worth two
   * points of test accuracy over a constant rate at the same budget (docs/RESULTS.md).
   */
  schedule: ScheduleSpec.default({ kind: 'cosine', minLr: 0 }),
  /** Early stopping on val accuracy (the seed: min delta 0.001, patience 10). 0 = off. */
  earlyStopping: z
    .strictObject({
      patience: z.number().int().min(0).default(10),
      minDelta: z.number().min(0).default(0.001),
    })
    .default({ patience: 10, minDelta: 0.001 }),
  /** L2 penalty factor·Σw² on conv/dense kernels, added to the loss (Keras' kernel_regularizer). */
  l2: z.number().min(0).default(0),
  /**
   * Decoupled weight decay (Loshchilov & Hutter 2019; PyTorch's SGD/AdamW form): each step
   * first shrinks every conv/dense kernel by lr·weightDecay of itself, apart from the loss and
   * the optimizer's moments. 0 = off. src/train/weight-decay.ts.
   */
  weightDecay: z.number().min(0).default(0),
  /** Training targets (1−ε)·one-hot + ε/classes (Szegedy et al. 2016); validation and test scores stay plain. */
  labelSmoothing: z.number().min(0).lt(1).default(0),
  clipNorm: z.number().positive().optional(),
  distill: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Teacher checkpoint URI, or a logits file URI (.logits.bin + .json). */
      teacher: z.string().optional(),
      logits: z.string().optional(),
      temperature: z.number().positive().default(4),
      alpha: z.number().min(0).max(1).default(0.5),
    })
    .default({ enabled: false, temperature: 4, alpha: 0.5 }),
  divergence: z
    .strictObject({
      /** A loss beyond this multiple of its running median counts as divergence. */
      medianMultiple: z.number().gt(1).default(20),
      window: z.number().int().positive().default(50),
    })
    .default({ medianMultiple: 20, window: 50 }),
  /**
   * Epoch checkpoints kept under `output/epochs/` (the newest; older ones are deleted once a
   * newer one is complete). They hold optimizer state too, so they cost ~2-3× the weights each.
   */
  keepCheckpoints: z.number().int().positive().default(2),
  /** TensorBoard/CSV step logging period. */
  logEverySteps: z.number().int().positive().default(50),
  /** URI of the lineage.jsonl that gets this run's training events; default `<output>/lineage.jsonl`. */
  lineage: z.string().min(1).optional(),
  /** The candidate the run trains, for lineage events; default the runId. */
  candidate: z.string().min(1).optional(),
  /**
   * Score the test split once the run completes (standalone `netgrow train`). A search sets
   * false: candidates are ranked on validation only, and it scores its finalists' test
   * accuracy once, after the search (workflows/search.ts).
   */
  scoreTest: z.boolean().default(true),
});
export type TrainSpec = z.infer<typeof TrainSpec>;
export type TrainSpecInput = z.input<typeof TrainSpec>;

export const Metrics = z.strictObject({
  loss: z.number(),
  acc: z.number(),
  valLoss: z.number().nullable(),
  valAcc: z.number().nullable(),
});
export type Metrics = z.infer<typeof Metrics>;

/**
 * Which backend a run trained on — a tfjs backend, or `graph`: the graph engine (one
 * TensorFlow session run per step, tfjs on `tensorflow` for the rest) — and why: `asked` (--backend or NETGROW_BACKEND), `only`
 * (the one backend that starts on this machine), `probe` (a few training steps of this network
 * and batch timed on each, here and now), `cached` (an earlier probe's answer for the same
 * network, batch, threads and machine), `process` (the process had its backend already: the
 * in-process executor).
 */
export const BackendChoice = z.strictObject({
  name: z.enum(['tensorflow', 'wasm', 'cpu', 'graph']),
  how: z.enum(['asked', 'only', 'probe', 'cached', 'process']),
  /** Fastest wall milliseconds of a training step on each backend probed (probe, cached). */
  msPerStep: z.record(z.string(), z.number()).optional(),
  /** One line, as logged. */
  why: z.string(),
});
export type BackendChoice = z.infer<typeof BackendChoice>;

export const TrainResult = z.strictObject({
  format: z.literal('netgrow.trainresult/v1'),
  runId: z.string(),
  status: z.enum(['completed', 'diverged', 'stopped']),
  epochsRun: z.number().int(),
  steps: z.number().int(),
  final: Metrics.nullable(),
  best: Metrics.extend({ epoch: z.number().int() }).nullable(),
  /**
   * Validation metrics of the trained checkpoint (`checkpoint`), scored at the end of a
   * completed run; what a search ranks by. Null without a validation split; absent in results
   * written before the field existed.
   */
  validation: z.strictObject({ loss: z.number(), acc: z.number() }).nullable().optional(),
  /** Test-set metrics when the dataset has a test split and the spec asked (`scoreTest`). */
  test: z.strictObject({ loss: z.number(), acc: z.number() }).nullable(),
  /** Parameters of the trained network; absent in older results. */
  params: z.number().int().min(0).optional(),
  /**
   * Training FLOPs of this run, resumed parts included: (forward + backward FLOPs per sample,
   * src/graph/flops.ts `trainFlops`) × training samples seen. Absent in older results.
   */
  trainFlops: z.number().min(0).optional(),
  wallSeconds: z.number(),
  /** The backend this run trained on and why (`how: process` in process); absent in older results. */
  backend: BackendChoice.optional(),
  /** URI of the checkpoint holding the trained weights (graph.json + weights). */
  checkpoint: z.string().nullable(),
  resumedFromEpoch: z.number().int().nullable(),
  /** Where the lineage stands at the end of the run (`continue: lineage` only). */
  lineage: z.strictObject({ epochs: z.number().int().min(0), steps: z.number().int().min(0) }).optional(),
  /**
   * Device-seconds the executor measured for this run: for Kubernetes, each of the run's pods
   * from its container's start to its end times its GPUs (a CPU pod counts as one device),
   * over every pod of the run. Absent where nothing measures them (local executors).
   */
  deviceSeconds: z.number().min(0).optional(),
  /**
   * Time this attempt's run waited before its trainer ran and why, as the executor saw it
   * (Kubernetes: a ResourceQuota refusing the pod, the scheduler's reason, an image pull; each
   * distinct reason once). Absent when it did not wait, and in local executors.
   */
  waited: z.strictObject({ seconds: z.number().min(0), reasons: z.array(z.string()) }).optional(),
  diverged: z
    .strictObject({
      epoch: z.number().int(),
      step: z.number().int(),
      reason: z.string(),
      lossTail: z.array(z.number().nullable()),
      lastGoodCheckpoint: z.string().nullable(),
    })
    .nullable(),
});
export type TrainResult = z.infer<typeof TrainResult>;

/**
 * Exit codes of `netgrow train` (documented in the README and k8s/README.md). `outOfMemory`:
 * the backend could not allocate a tensor (TensorFlow's ResourceExhausted, CUDA out of memory,
 * the wasm heap): every executor fails such a run as out of memory, which the candidate
 * workflow retries with a smaller batch (`oom.retries`), as it does a pod the kernel OOM-killed.
 */
export const TRAIN_EXIT = {
  done: 0,
  diverged: 3,
  badInput: 2,
  infrastructure: 4,
  outOfMemory: 5,
  interrupted: 130,
} as const;
