/**
 * What the schema cannot see but a search needs before anything starts: the dataset exists
 * and is on this machine, the start architecture is a builtin or a readable graph.json, every
 * plan stage parses, and the executor is one this process can run. Every problem is reported
 * with its path, together with the schema's, so one run of `netgrow search` lists them all.
 * Relative paths become absolute: workers may run elsewhere, with another working folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { gpuShortfall } from '../backend/native';
import { datasetEntry, missingError, tryLocate } from '../data';
import { BUILTIN_NAMES, isBuiltin, parseGraphJson } from '../graph';
import { parseCommands } from '../morph';
import { ConfigError, type SearchConfig } from '../search/config';

export interface RunnableOptions {
  /** Folder relative paths in the config are read from (the config file's). */
  baseDir: string;
  /** Workers run in this process, so its executor must be one they can run. */
  localWorkers: boolean;
}

export function checkRunnable(config: SearchConfig, source: string, opts: RunnableOptions): SearchConfig {
  const problems: string[] = [];
  const out: SearchConfig = structuredClone(config);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(opts.baseDir, p));

  if (out.dataset.dataDir) out.dataset.dataDir = abs(out.dataset.dataDir);
  try {
    const entry = datasetEntry(out.dataset.name);
    if (entry.source.format !== 'synthetic' && !tryLocate(entry, { dataDir: out.dataset.dataDir })) {
      problems.push(`dataset.name: ${missingError(entry, { dataDir: out.dataset.dataDir }).message}`);
    }
  } catch (e) {
    problems.push(`dataset.name: ${(e as Error).message}`);
  }

  const arch = out.start.arch;
  if (!isBuiltin(arch) && !arch.includes('://')) {
    const path = abs(arch);
    if (!arch.endsWith('.json')) {
      problems.push(
        `start.arch: '${arch}' is neither a builtin (${BUILTIN_NAMES.join(', ')}) nor a graph.json file nor a checkpoint URI`,
      );
    } else if (!existsSync(path)) {
      problems.push(`start.arch: no such file ${path}`);
    } else {
      try {
        parseGraphJson(readFileSync(path, 'utf8'), path);
        out.start.arch = path;
      } catch (e) {
        problems.push(`start.arch: ${(e as Error).message}`);
      }
    }
  }

  if (out.strategy.kind === 'plan') {
    out.strategy.stages.forEach((stage, i) => {
      try {
        parseCommands(stage);
      } catch (e) {
        problems.push(`strategy.stages.${i}: ${(e as Error).message}`);
      }
    });
  }

  if (opts.localWorkers && out.executor.kind === 'kubernetes') {
    problems.push(
      'executor.kind: the kubernetes executor runs on cluster workers only; use process here, ' +
        'or set temporal.address and run `netgrow worker` in the cluster',
    );
  }
  // Runs on this machine's TensorFlow: asking for GPUs it does not see must not become a CPU run.
  if (out.executor.kind !== 'kubernetes') {
    const why = gpuShortfall(out.executor.gpus);
    if (why) problems.push(`executor.gpus: ${why}`);
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return out;
}
