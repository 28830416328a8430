/**
 * Preparing an experiment before anything starts, in one pipeline: read the config file
 * (YAML, of which JSON is a subset) → read the plan file it names → the schema → what the
 * schema cannot see (checkRunnable: the dataset is here, the start architecture reads, the
 * executor can run) → the command line's overrides. `netgrow search` and `netgrow grow` both
 * come through here, so a config is validated in one place.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { UsageError } from '../contracts/errors';
import { ConfigError, SearchConfig } from '../search/config';
import { describeIssues } from '../search/config-errors';
import { parsePlanText } from '../search/plan';
import { checkRunnable } from './validate';
import { searchExecutorSettings } from '../search/executor-settings';
import type { SearchExecutorSettings } from '../contracts/executor-settings';

export interface PrepareOptions {
  /** Where the config came from (a file path), for error messages and relative paths. */
  source: string;
  /** Workers run in this process, so the executor must be one they can run. */
  localWorkers: boolean;
  /** `--parallelism`, overriding executor.parallelism. */
  parallelism?: string;
}

/** A parsed config made ready to run: checked against this machine, paths absolute, flags applied. */
export async function prepareExperiment(config: SearchConfig, opts: PrepareOptions): Promise<SearchConfig> {
  const checked = await checkRunnable(config, opts.source, {
    baseDir: dirname(resolve(opts.source)),
    localWorkers: opts.localWorkers,
  });
  if (opts.parallelism !== undefined) {
    const n = Number(opts.parallelism);
    if (!Number.isInteger(n) || n < 1) {
      throw new UsageError(`--parallelism must be a positive integer, received '${opts.parallelism}'`);
    }
    checked.executor.parallelism = n;
  }
  return checked;
}

/**
 * Validates an already-parsed value. `source` names it in the error (a file path);
 * relative plan files are read from `baseDir`.
 */
export async function parseSearchConfig(
  value: unknown,
  source: string,
  baseDir = process.cwd(),
): Promise<SearchConfig> {
  const parsed = SearchConfig.safeParse(value);
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error, SearchConfig, value));
  const config = parsed.data;
  if (config.strategy.kind === 'plan') {
    const { file } = config.strategy;
    if (file) {
      let text: string;
      try {
        text = await readFile(resolve(baseDir, file), 'utf8');
      } catch (err) {
        throw new ConfigError(source, [
          `strategy.file: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`,
        ]);
      }
      config.strategy.stages = parsePlanText(text);
    }
    if (config.strategy.stages.length === 0) {
      const where = file ? `${file} has no commands` : 'give `stages` (a list of commands) or `file`';
      throw new ConfigError(source, [
        `strategy.${file ? 'file' : 'stages'}: a plan needs at least one stage; ${where}`,
      ]);
    }
  }
  return config;
}

/** A search config is a page of text; a bigger file is a mistake (or an attack), not a config. */
export const MAX_CONFIG_BYTES = 1 << 20;

/** Reads, parses (YAML, of which JSON is a subset) and validates a search config file. */
export async function loadSearchConfig(path: string): Promise<SearchConfig> {
  return parseSearchConfig(await readConfigFile(path), path, dirname(resolve(path)));
}

/**
 * A search config file, validated, with the fields of its kubernetes `executor` section that
 * its user wrote (the validated config has every default filled in, which must not override a
 * worker's settings).
 */
export async function loadSearchFile(
  path: string,
): Promise<{ config: SearchConfig; executorSettings?: SearchExecutorSettings }> {
  const raw = await readConfigFile(path);
  const config = await parseSearchConfig(raw, path, dirname(resolve(path)));
  const executorSettings = searchExecutorSettings(raw, config);
  return executorSettings ? { config, executorSettings } : { config };
}

/** A config file's value as read (YAML, of which JSON is a subset), before the schema. */
async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    const size = (await stat(path)).size;
    if (size > MAX_CONFIG_BYTES) {
      throw new ConfigError(path, [
        `the file is ${size} bytes; a search config is at most ${MAX_CONFIG_BYTES}`,
      ]);
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [code === 'ENOENT' ? 'no such file' : `cannot read it (${code})`]);
  }
  if (text.includes('\0')) throw new ConfigError(path, ['the file is binary, not YAML or JSON text']);
  return parseConfigYaml(text, path);
}

/**
 * YAML with the core schema only: no custom tags (an unknown `!tag` is an error, not a
 * string), and alias expansion bounded, so a "billion laughs" file is refused as input.
 */
export function parseConfigYaml(text: string, path: string): unknown {
  const doc = parseDocument(text, { schema: 'core', customTags: [], uniqueKeys: true });
  // The first error only: a YAML parser's later errors mostly follow from it.
  const problems = [...doc.errors, ...doc.warnings].slice(0, 1).map((e) => {
    const at = e.linePos?.[0];
    const firstLine = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    return `${at ? `line ${at.line}, column ${at.col}` : 'syntax'}: ${firstLine}`;
  });
  if (problems.length > 0) throw new ConfigError(path, problems);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // The yaml package's alias guard ("Excessive alias count …") and unresolvable aliases.
    throw new ConfigError(path, [`cannot expand the YAML: ${(e as Error).message.split('\n')[0]}`]);
  }
  if (value === null || value === undefined) {
    throw new ConfigError(path, ['the file is empty; a search config needs at least `name` and `dataset`']);
  }
  return value;
}
