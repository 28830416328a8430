/**
 * An experiment's identity and places: its id (the config's name plus a short unique suffix,
 * also the workflow id), the absolute URI of its folder in storage, the local folder for the
 * embedded Temporal server's SQLite file, and `experiment.json` — the validated config that
 * started it, which `netgrow resume|status|report <id>` read back.
 */
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { SearchConfig } from '../search/config';
import { formatUri, joinUri, openStore, parseUri, StorageError } from '../storage';
import { UsageError } from '../contracts/errors';
import { SearchExecutorSettings } from '../contracts/executor-settings';

export type ExperimentKind = 'search' | 'grow';

/** Read leniently (unknown fields are kept for later versions, and ignored here). */
const ExperimentRecordShape = z.object({
  format: z.literal('netgrow.experiment/v1'),
  id: z.string(),
  kind: z.enum(['search', 'grow']),
  createdAt: z.string(),
  storage: z.string(),
  experimentUri: z.string(),
  config: z.unknown(),
  executorSettings: SearchExecutorSettings.optional(),
});

export interface ExperimentRecord {
  format: 'netgrow.experiment/v1';
  id: string;
  kind: ExperimentKind;
  createdAt: string;
  /** The storage root, absolute (`file:///…/runs`, `s3://bucket/prefix`). */
  storage: string;
  experimentUri: string;
  /** The validated config that started it (the report reads it from here too). */
  config: SearchConfig;
  /** The fields of the config's kubernetes `executor` section its user set; absent when none. */
  executorSettings?: SearchExecutorSettings;
}

export const EXPERIMENT_FILE = 'experiment.json';
const ID_RE = /^[a-z0-9][a-z0-9-]*$/;

/** `fmnist-ga` → `fmnist-ga-k3x9q2`: unique without a lookup, readable in lists. */
export function newExperimentId(name: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const suffix = Array.from(randomBytes(6), (b) => alphabet[b % alphabet.length]).join('');
  return `${name}-${suffix}`;
}

export function checkExperimentId(id: string): string {
  if (!ID_RE.test(id) || id.length > 64) {
    throw new UsageError(
      `experiment id '${id}' is invalid: use the id \`netgrow search\` printed (lowercase letters, digits and "-")`,
    );
  }
  return id;
}

/** The storage root as an absolute URI, so a worker with another cwd finds the same folder. */
export function absoluteStorage(uri: string, cwd = process.cwd()): string {
  return formatUri(parseUri(uri, cwd));
}

export function experimentUriOf(storage: string, id: string): string {
  return joinUri(storage, 'experiments', id);
}

/**
 * Where the embedded Temporal server keeps its SQLite file: inside the experiment folder when
 * storage is a local folder; for S3 (a database cannot live there) under NETGROW_HOME
 * (default ~/.netgrow), which also remembers the storage so `netgrow resume <id>` finds it.
 */
export function localStateDir(storage: string, id: string, env = process.env): string {
  const location = parseUri(storage);
  if (location.kind === 'file') return join(location.path, 'experiments', id);
  return join(netgrowHome(env), 'experiments', id);
}

export function netgrowHome(env = process.env): string {
  return env.NETGROW_HOME || join(homedir(), '.netgrow');
}

export function temporalDir(stateDir: string): string {
  return join(stateDir, 'temporal');
}

export function experimentRecord(
  kind: ExperimentKind,
  id: string,
  storage: string,
  config: SearchConfig,
  executorSettings?: SearchExecutorSettings,
): ExperimentRecord {
  return {
    format: 'netgrow.experiment/v1',
    id,
    kind,
    createdAt: new Date().toISOString(),
    storage,
    experimentUri: experimentUriOf(storage, id),
    config: selfContained(config),
    ...(executorSettings ? { executorSettings } : {}),
  };
}

/** A plan read from a file is stored as its stages, so the record validates on its own later. */
function selfContained(config: SearchConfig): SearchConfig {
  if (config.strategy.kind !== 'plan' || !config.strategy.file) return config;
  return { ...config, strategy: { kind: 'plan', stages: config.strategy.stages } };
}

/** Writes experiment.json into the experiment folder (and, for S3, a local copy beside the SQLite file). */
export async function writeExperimentRecord(record: ExperimentRecord): Promise<void> {
  const text = JSON.stringify(record, null, 2) + '\n';
  await openStore(record.experimentUri).put(EXPERIMENT_FILE, text);
  if (parseUri(record.storage).kind === 's3') {
    await openStore(localStateDir(record.storage, record.id)).put(EXPERIMENT_FILE, text);
  }
}

/**
 * Finds an experiment by id: in `storage` when given, else in ./runs (the default storage),
 * else in NETGROW_HOME's record of experiments kept on S3.
 */
export async function findExperiment(id: string, storage?: string): Promise<ExperimentRecord> {
  checkExperimentId(id);
  const places = storage
    ? [experimentUriOf(absoluteStorage(storage), id)]
    : [
        experimentUriOf(absoluteStorage('file://./runs'), id),
        formatUri(parseUri(join(netgrowHome(), 'experiments', id))),
      ];
  for (const uri of places) {
    let text: string;
    try {
      text = await openStore(uri).getText(EXPERIMENT_FILE);
    } catch (e) {
      if (e instanceof StorageError && e.code === 'not_found') continue;
      throw e;
    }
    return parseRecord(text, `${uri}/${EXPERIMENT_FILE}`);
  }
  const where = storage ? places[0] : `./runs/experiments/${id} or ${join(netgrowHome(), 'experiments', id)}`;
  throw new UsageError(
    `no experiment '${id}' in ${where}: check the id, or pass --storage <uri> (the search config's storage.uri)`,
  );
}

function parseRecord(text: string, where: string): ExperimentRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${where} is not valid JSON (${(e as Error).message})`);
  }
  const record = ExperimentRecordShape.safeParse(json);
  if (!record.success) {
    const issue = record.error.issues[0];
    throw new UsageError(`${where} is not an experiment record (${issue.path.join('.')}: ${issue.message})`);
  }
  const config = SearchConfig.safeParse(record.data.config);
  if (!config.success) {
    const issue = config.error.issues[0];
    throw new UsageError(
      `${where}: its config no longer validates (config.${issue.path.join('.')}: ${issue.message})`,
    );
  }
  return { ...record.data, config: config.data };
}
