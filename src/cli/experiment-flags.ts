/**
 * What the experiment commands (search, grow, resume, status, cancel) share: their flags, the
 * experiment id argument, the Temporal session of an existing experiment, and running or
 * following a workflow with the terminal's progress and Ctrl-C.
 */
import { findExperiment, localStateDir, type ExperimentRecord } from '../experiment/experiment';
import {
  followExperiment,
  launchExperiment,
  type ExperimentOutcome,
  type FollowOptions,
} from '../experiment/run';
import { quietTemporalRuntime } from '../experiment/runtime';
import { openTemporal, temporalTarget } from '../experiment/session';
import { TEMPORAL_AUTH_OPTIONS, type TemporalAuthFlags } from '../temporal/connection';
import { interruptSignal, terminalIO } from './terminal';
import type { SearchConfig } from '../search/config';
import type { SearchExecutorSettings } from '../contracts/executor-settings';
import { UsageError } from '../contracts/errors';
import type { CliContext } from './command';
import { parseFlags, type FlagOptions, type Flags } from './flags';

export type { Flags };

export interface ExperimentFlags {
  parallelism?: string;
  'temporal-address'?: string;
  namespace?: string;
  workers?: boolean;
  detach?: boolean;
  headless?: boolean;
  json?: boolean;
}

/** The flags of commands that run or follow a workflow. */
export const EXPERIMENT_OPTIONS = {
  parallelism: { type: 'string' },
  'temporal-address': { type: 'string' },
  namespace: { type: 'string' },
  ...TEMPORAL_AUTH_OPTIONS,
  workers: { type: 'boolean' },
  detach: { type: 'boolean' },
  headless: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** Where an existing experiment is and which Temporal holds it. */
export const LOCATE_OPTIONS = {
  storage: { type: 'string' },
  'temporal-address': { type: 'string' },
  namespace: { type: 'string' },
  ...TEMPORAL_AUTH_OPTIONS,
} as const;

/** `netgrow <command> <experimentId> [flags]`: the id and the parsed flags. */
export function experimentArgs(
  args: string[],
  command: string,
  usage: string,
  options: FlagOptions,
): [string, Flags] {
  const [id, ...rest] = args;
  if (!id || id.startsWith('-')) throw new UsageError(`usage: netgrow ${command} <experimentId> ${usage}`);
  return [id, parseFlags(rest, command, options)];
}

/** The Temporal the flags name, else the experiment config's, else the environment's or embedded. */
export const flagTarget = (values: Flags, temporal: SearchConfig['temporal']) =>
  temporalTarget(
    {
      address: values['temporal-address'] as string | undefined,
      namespace: values.namespace as string | undefined,
      auth: values as TemporalAuthFlags,
    },
    temporal,
  );

/** Flags that contradict each other or the Temporal they would run on, refused before anything starts. */
export function checkFollowFlags(values: Flags, target: { address: string | null }): void {
  if (values.detach && values.workers) {
    throw new UsageError(
      '--detach and --workers contradict each other: workers in this process stop when it returns',
    );
  }
  if (values.detach && target.address === null) {
    throw new UsageError(
      '--detach needs a Temporal cluster (--temporal-address, temporal.address or TEMPORAL_ADDRESS): ' +
        'the embedded server stops when this command returns',
    );
  }
}

/** The experiment's record and a Temporal session to its workflow (an embedded server if it has none). */
export async function openExperiment(id: string, values: Flags) {
  const record = await findExperiment(id, values.storage as string | undefined);
  quietTemporalRuntime();
  const session = await openTemporal(flagTarget(values, record.config.temporal), {
    stateDir: localStateDir(record.storage, record.id),
  });
  return { record, session };
}

/**
 * Starts a new experiment (`config`) or follows an existing one (`record`) until it ends, with
 * progress on the terminal and Ctrl-C handled; prints the outcome with --json; the exit code.
 */
export async function runExperiment(
  values: Flags,
  what:
    | {
        kind: Parameters<typeof launchExperiment>[0];
        config: SearchConfig;
        executorSettings?: SearchExecutorSettings;
      }
    | { record: ExperimentRecord },
  ctx: CliContext,
): Promise<number> {
  const json = values.json === true;
  checkFollowFlags(values, flagTarget(values, ('record' in what ? what.record : what).config.temporal));
  const interrupt = interruptSignal();
  try {
    const config = 'record' in what ? what.record.config : what.config;
    const opts: FollowOptions = {
      target: flagTarget(values, config.temporal),
      io: terminalIO({ json }),
      localWorkers: values.workers === true,
      startWorkers: ctx.startWorkers,
      detach: values.detach === true,
      headless: values.headless === true,
      interrupt: interrupt.signal,
    };
    const outcome: ExperimentOutcome =
      'record' in what
        ? await followExperiment(what.record, opts)
        : await launchExperiment(what.kind, what.config, opts, what.executorSettings);
    if (json) console.log(JSON.stringify(outcome));
    return outcome.code;
  } finally {
    interrupt.dispose();
  }
}
