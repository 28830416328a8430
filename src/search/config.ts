/**
 * The search configuration (`netgrow search --config search.yaml`), YAML or JSON. Every field
 * has a default except `name`; unknown fields are errors, because a typo silently ignored
 * would run a different search than the one written down. The training section is the
 * TrainSpec's own hyperparameter schema, so the two cannot drift apart. Pure: reading a config
 * file (and a plan file it names) is src/experiment/prepare.ts's job.
 */
import { z } from 'zod';
import { SAME_FAILURE_LIMIT } from './failure-run';
import { PodTemplate } from '../contracts/pod-template';
import { DEFAULT_NAMESPACE } from '../contracts/search';
import { SEARCH_EXECUTOR_FIELDS } from '../contracts/executor-settings';
import { DatasetSpec, TrainSpec } from '../contracts/train';
import { MUTATION_KINDS } from '../morph/sampler';
import { DURATION_HINT, parseDuration } from './budget';

/** The kinds the seed's rule draws by default: all named at 0 (and no other above) leaves none. */
const SEED_DRAWN = ['deeper', 'deeper-pool', 'wider', 'skip', 'group'] as const;

export { ConfigError } from './config-errors';

const count = (fallback: number, min = 1) => z.number().int().min(min).max(100_000).default(fallback);

const GaStrategy = z.strictObject({
  kind: z.literal('ga'),
  population: count(4),
  generations: count(5),
  selection: z.enum(['tournament', 'keep-best']).default('tournament'),
  tournamentSize: count(2),
  /** The best of all time stay in the selection pool without being retrained. */
  elite: count(1, 0),
  /** Random feasible commands per child. */
  mutations: count(1),
});

const RandomStrategy = z.strictObject({
  kind: z.literal('random'),
  population: count(4),
  generations: count(5),
  maxMutations: count(3),
});

const HillStrategy = z.strictObject({
  kind: z.literal('hill'),
  /** Neighbours tried per step. */
  population: count(1),
  generations: count(10),
  mutations: count(1),
});

const Stage = z
  .string()
  .refine((s) => s.split(';').some((c) => c.trim() !== ''), 'a stage needs at least one command');
const PlanStrategy = z
  .strictObject({
    kind: z.literal('plan'),
    /** A text file, one stage per line (relative to the config file); read into `stages`. */
    file: z.string().min(1).optional(),
    /** Stages of `;`-separated commands, each applied to the previous stage's trained net. */
    stages: z.array(Stage).default([]),
  })
  .refine((p) => !(p.file && p.stages.length > 0), {
    message: 'give either `file` or `stages`, not both',
    path: ['stages'],
  });

const Strategy = z.discriminatedUnion('kind', [GaStrategy, RandomStrategy, HillStrategy, PlanStrategy]);

const RetryAdjustment = z
  .strictObject({
    lrScale: z.number().positive().optional(),
    clipNorm: z.number().positive().optional(),
    batchScale: z.number().positive().optional(),
  })
  .refine((a) => Object.keys(a).length > 0, 'give at least one of lrScale, clipNorm, batchScale');

/**
 * Why a Temporal frontend address cannot be used (null when it can): host:port or [ipv6]:port,
 * port 1-65535. The schema, the flag and TEMPORAL_ADDRESS all go through it, so `--check`
 * refuses what a real run would.
 */
export function temporalAddressProblem(address: string): string | null {
  const m = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/.exec(address);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) {
    return 'must be host:port with a port from 1 to 65535, e.g. temporal.example.org:7233';
  }
  return null;
}

const Lambda = z.number().min(0).max(1);
const Penalty = z.union([z.strictObject({ params: Lambda }), z.strictObject({ flops: Lambda })]);

const EarlyStop = z.discriminatedUnion('rule', [
  z.strictObject({
    rule: z.literal('median'),
    afterEpochs: count(1),
    /** Stop when below the median of at least this many earlier rung scores. */
    minPeers: count(2),
  }),
  z.strictObject({
    rule: z.literal('halving'),
    afterEpochs: count(1),
    /** Continue only in the best `keep` fraction of the rung scores so far (itself included). */
    keep: z.number().gt(0).lt(1).default(0.5),
  }),
]);

const Duration = z.string().refine((s) => parseDuration(s) !== null, `must be ${DURATION_HINT}`);

const Executor = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('process'), parallelism: count(2), gpus: count(0, 0) }),
  z.strictObject({ kind: z.literal('inprocess'), parallelism: count(1), gpus: count(0, 0) }),
  z.strictObject({
    kind: z.literal('kubernetes'),
    parallelism: count(4),
    gpus: count(1, 0),
    namespace: z.string().min(1).default('netgrow'),
    /** The trainer image; null = the worker's NETGROW_TRAINER_IMAGE (k8s/worker-config.yaml). */
    image: z.string().min(1).nullable().default(null),
    /** A kubeconfig file and context; null = in-cluster when run in a pod, else the default. */
    kubeconfig: z.string().min(1).nullable().default(null),
    context: z.string().min(1).nullable().default(null),
    /** The trainer pod: resources, scheduling, service account, env from Secrets, labels. */
    pod: PodTemplate.prefault({}),
    /** A pod whose image cannot be pulled this long fails its candidate (not retried). */
    imagePullGrace: Duration.default('2m'),
    /** A pod no node can take this long fails its candidate; null = wait for capacity. */
    unschedulableTimeout: Duration.nullable().default('30m'),
    /**
     * A running pod whose node stopped reporting (the pod marked not Ready, as the node
     * lifecycle controller does) this long fails its attempt, retried in a new pod; null = wait.
     */
    lostNodeTimeout: Duration.nullable().default('5m'),
    /**
     * A pod its namespace's ResourceQuota refuses ("exceeded quota") waits for the quota to free,
     * retried with backoff up to a minute apart, this long before its run fails; null = wait.
     */
    quotaWaitTimeout: Duration.nullable().default('1h'),
    /** Grace period of a cancelled run's pod (the trainer checkpoints on SIGTERM). */
    deleteGrace: Duration.default('30s'),
    /** Keep finished pods instead of deleting them (debugging). */
    keepPods: z.boolean().default(false),
    /**
     * How long a kept pod stays after it ended before the worker deletes it (its `ttlSecondsAfterFinished`);
     * null = until deleted by hand. The worker checks at its start and every 10 minutes.
     */
    keptPodTtl: Duration.nullable().default('24h'),
    /**
     * Read from the worker's `--executor-config` only: the fields of this section a search's
     * own config may set for its runs (src/search/executor-settings.ts). Absent: all but
     * `namespace` and `pod.serviceAccountName`; `[]`: none.
     */
    allowSearch: z.array(z.enum(SEARCH_EXECUTOR_FIELDS)).optional(),
  }),
]);

export const SearchConfig = z.strictObject({
  name: z
    .string({
      error: (i) =>
        i.input === undefined
          ? 'required: a short name of lowercase letters, digits and "-", e.g. fmnist-ga'
          : undefined,
    })
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and "-" only, starting with a letter or digit')
    .max(48),
  seed: z.number().int().min(0).default(0),
  dataset: DatasetSpec.prefault({}),
  start: z
    .strictObject({
      /** A builtin (seed-ga, seed-teacher, vgg8, …), a graph.json path or a checkpoint URI. */
      arch: z.string().min(1).default('seed-ga'),
    })
    .prefault({}),
  strategy: Strategy.prefault({ kind: 'ga' }),
  train: TrainSpec.pick({
    epochs: true,
    maxSteps: true,
    batchSize: true,
    optimizer: true,
    schedule: true,
    earlyStopping: true,
    l2: true,
    weightDecay: true,
    labelSmoothing: true,
    clipNorm: true,
    logEverySteps: true,
    lineageEpochs: true,
    backend: true,
  })
    .extend({
      /**
       * `lineage`: each child continues its lineage's training — one schedule over the
       * lineage's epochs (`lineageEpochs`, default `epochs × (generations + 1)`), entered at the
       * epoch its parent's lineage stopped at, and the parent's optimizer state carried through
       * the morphism. `restart`: each child runs the schedule over its own epochs from the
       * top, with fresh optimizer state.
       */
      continue: z.enum(['lineage', 'restart']).default('lineage'),
    })
    .prefault({}),
  distill: z
    .strictObject({
      /** Each child learns from its parent's soft targets as well as the labels. */
      enabled: z.boolean().default(false),
      temperature: z.number().positive().default(4),
      alpha: z.number().min(0).max(1).default(0.5),
    })
    .prefault({}),
  /**
   * Early stopping of weak candidates within a generation: each pauses after `afterEpochs`
   * epochs (its rung) and the search decides from its validation accuracy there, against those
   * of the generation that reached the rung before it; a stopped candidate keeps its rung
   * checkpoint and result. Null = off.
   */
  earlyStop: EarlyStop.nullable().default(null),
  ranking: z
    .strictObject({
      /**
       * Ranks (and so selects) by valAcc − λ·log10(params) or valAcc − λ·log10(flops, forward
       * per sample) instead of valAcc alone; null = valAcc alone.
       */
      penalty: Penalty.nullable().default(null),
    })
    .prefault({}),
  scratch: z
    .strictObject({
      /**
       * After the search, retrain the winner's architecture from random initialisation for
       * the epochs its lineage accumulated: the control that says whether growing paid.
       */
      enabled: z.boolean().default(false),
      /**
       * What the control gets of the grown winner's lineage: its `epochs` (the sum of the
       * epochs of the runs from the start model down to the winner), or its training `flops`
       * (the same sum in training FLOPs, every run counted; the control trains the epochs
       * that many FLOPs buy at the winner's size, rounded, at least 1), or the search's `wall`
       * time (from its start to the end of its last candidate, every candidate and the waits
       * between them: what a user would otherwise have spent) in the epochs it buys at the
       * winner's own measured seconds per epoch, rounded, at least 1. Growth pays when the grown
       * winner beats the control at equal FLOPs, or at equal wall time.
       */
      match: z.enum(['epochs', 'flops', 'wall']).default('epochs'),
    })
    .prefault({}),
  controls: z
    .strictObject({
      /**
       * Each generation also trains a "continue" child per parent: the parent unchanged,
       * trained the same epochs as its grown siblings, so that the leaderboard, the lineage
       * and the per-operation statistics show whether each growth beat plain further training.
       * It counts against the candidates budget like any child.
       */
      continue: z.boolean().default(false),
    })
    .prefault({}),
  mutation: z
    .strictObject({
      /**
       * Sampled mutations (ga, random, hill) never make a child with more forward FLOPs per
       * sample than this: a draw over it is refused and drawn again, as an infeasible one is.
       * It keeps one expensive child (a conv deepened at full resolution) from taking a whole
       * wall-time budget. A plan's explicit commands are not limited. Null = no limit.
       */
      maxFlops: z.number().positive().nullable().default(null),
      /**
       * How each command's new units start. `preserve`: Net2Net's function-preserving values
       * (identity layers, zero paths, split copies). `random`: the same architecture change,
       * its new units drawn from their layers' usual initialiser and the old units' weights
       * left as trained (the Net2Net paper's random-pad baseline, src/morph/random-init.ts);
       * such children are not preserving. For ablations.
       */
      init: z.enum(['preserve', 'random']).default('preserve'),
      /**
       * How often each kind of command is drawn, in place of the seed's depth rule for the kinds
       * named (a weight, not a probability; 0 never draws that kind; kinds not named keep the
       * seed's weight). E.g. `{wider: 2, deeper: 1, skip: 0, group: 0, deeper-pool: 0}`.
       */
      /**
       * Widen a sampled conv by a ratio drawn from [min, max] (its filters × the ratio, rounded,
       * at most 1024), instead of the seed's rule of a width drawn towards a cap that grows
       * with depth (128 filters at the input to 1024), which can take a 16-filter conv to 136.
       */
      convRatio: z
        .tuple([z.number().gt(1), z.number().gt(1)])
        .refine(([lo, hi]) => lo <= hi, { message: 'convRatio is [min, max]: min must not exceed max' })
        .optional(),
      weights: z
        .partialRecord(z.enum(MUTATION_KINDS), z.number().min(0))
        .optional()
        .refine((w) => !w || !SEED_DRAWN.every((k) => w[k] === 0) || Object.values(w).some((v) => v > 0), {
          message: 'these weights leave no kind that can be drawn: give at least one a positive weight',
        }),
    })
    .prefault({}),
  divergence: z
    .strictObject({
      retries: z
        .array(RetryAdjustment)
        .max(10)
        .default([{ lrScale: 0.1 }, { clipNorm: 1.0 }, { batchScale: 0.5 }]),
    })
    .prefault({}),
  /**
   * A run killed for memory (a pod's OOMKilled) or out of accelerator memory (`netgrow train`
   * exit 5: the backend could not allocate a tensor) is trained again as a new run with a smaller
   * batch, one entry per retry (cumulative); past the last, an OOM fails the candidate. With
   * no entries, Temporal retries it unchanged like any infrastructure failure.
   */
  oom: z
    .strictObject({
      retries: z
        .array(z.strictObject({ batchScale: z.number().gt(0).lt(1) }))
        .max(10)
        .default([{ batchScale: 0.5 }]),
    })
    .prefault({}),
  /**
   * End the search when this many candidates in a row (in the order they finished) failed with
   * the same error — a bad image, a missing dataset, a resource no node offers — instead of
   * trying the rest; 0 = never. Diverged and stopped candidates break the run.
   */
  stopAfterSameFailures: z.number().int().min(0).max(1000).default(SAME_FAILURE_LIMIT),
  budget: z
    .strictObject({
      candidates: z.number().int().positive().nullable().default(40),
      wallTime: Duration.nullable().default(null),
      gpuHours: z.number().positive().nullable().default(null),
    })
    .prefault({}),
  executor: Executor.prefault({ kind: 'process' }),
  storage: z
    .strictObject({
      uri: z
        .string()
        .regex(/^(file|s3):\/\/./, 'must be a file:// or s3:// URI, e.g. file://./runs or s3://bucket/prefix')
        .default('file://./runs'),
    })
    .prefault({}),
  temporal: z
    .strictObject({
      /** host:port of a Temporal frontend; null = start the embedded dev server. */
      address: z
        .string()
        .superRefine((a, ctx) => {
          const problem = temporalAddressProblem(a);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        })
        .nullable()
        .default(null),
      namespace: z.string().min(1).default(DEFAULT_NAMESPACE),
      /**
       * TLS to a cluster's frontend: file paths (never the files' contents: the config is kept
       * in experiment.json) and the name to verify; flags and TEMPORAL_TLS_* override them
       * (src/temporal/connection.ts). An API key comes from the environment or a file only.
       */
      tls: z
        .strictObject({
          serverCa: z.string().min(1).nullable().default(null),
          clientCert: z.string().min(1).nullable().default(null),
          clientKey: z.string().min(1).nullable().default(null),
          serverName: z.string().min(1).nullable().default(null),
        })
        .prefault({}),
    })
    .prefault({}),
});

export type SearchConfig = z.infer<typeof SearchConfig>;
export type SearchConfigInput = z.input<typeof SearchConfig>;
export type StrategyConfig = SearchConfig['strategy'];
export type GaStrategy = z.infer<typeof GaStrategy>;
export type RandomStrategy = z.infer<typeof RandomStrategy>;
export type HillStrategy = z.infer<typeof HillStrategy>;
export type PlanStrategy = z.infer<typeof PlanStrategy>;
export type EarlyStopConfig = z.infer<typeof EarlyStop>;
export type PenaltyConfig = z.infer<typeof Penalty>;
export type ExecutorConfig = SearchConfig['executor'];
export type KubernetesExecutorConfig = Extract<ExecutorConfig, { kind: 'kubernetes' }>;
