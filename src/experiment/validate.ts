/**
 * What the schema cannot see but a search needs before anything starts: the dataset exists
 * and is on this machine, the start architecture is a builtin or a readable graph.json, every
 * plan stage parses, and the executor is one this process can run. Every problem is reported
 * with its path, together with the schema's, so one run of `netgrow search` lists them all.
 * Relative paths become absolute: workers may run elsewhere, with another working folder.
 */
import { isAbsolute, resolve } from 'node:path';
import { gpuShortfall } from '../backend/native';
import { datasetEntry, missingError, tryLocate, type DatasetEntry } from '../data';
import { isInputError } from '../contracts/errors';
import { builtin, countFlops, isBuiltin, Rng, type Graph } from '../graph';
import { resolveNetwork, type DataShape } from '../model/resolve';
import { formatUri, openStore, parseUri } from '../storage';
import { parseCommands, planCommands } from '../morph';
import { ConfigError, type SearchConfig } from '../search/config';
import { imageReferenceProblem } from '../search/image-ref';

export interface RunnableOptions {
  /** Folder relative paths in the config are read from (the config file's). */
  baseDir: string;
  /** Workers run in this process, so its executor must be one they can run. */
  localWorkers: boolean;
}

export async function checkRunnable(
  config: SearchConfig,
  source: string,
  opts: RunnableOptions,
): Promise<SearchConfig> {
  const problems: string[] = [];
  const out: SearchConfig = structuredClone(config);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(opts.baseDir, p));

  if (out.dataset.dataDir) out.dataset.dataDir = abs(out.dataset.dataDir);
  try {
    const entry = datasetEntry(out.dataset.name);
    if (entry.source.format !== 'synthetic' && !tryLocate(entry, { dataDir: out.dataset.dataDir })) {
      problems.push(`dataset.name: ${missingError(entry, { dataDir: out.dataset.dataDir }).message}`);
    }
    const available = trainingImages(entry);
    const { limit } = out.dataset;
    if (available !== null && limit > 1 && limit > available) {
      problems.push(
        `dataset.limit: ${entry.name} has ${available} training images, received ${limit}; use at most ${available} or a fraction`,
      );
    }
  } catch (e) {
    problems.push(`dataset.name: ${(e as Error).message}`);
  }

  const arch = out.start.arch;
  const data = dataShape(out.dataset.name);
  let startGraph: Graph | null = null;
  if (!isBuiltin(arch)) {
    // A local graph.json or checkpoint folder becomes an absolute URI; launching copies a
    // graph.json into the experiment's storage, so workers anywhere read the same file.
    const ref = arch.includes('://') ? arch : formatUri(parseUri(abs(arch)));
    try {
      const start = await resolveNetwork(ref, {
        open: openStore,
        seed: out.seed,
        data,
        fit: data !== undefined,
      });
      startGraph = start.graph;
      out.start.arch = ref;
    } catch (e) {
      if (!isInputError(e)) throw e;
      problems.push(`start.arch: ${e.message}`);
    }
  }

  const limit = out.mutation?.maxFlops;
  if (limit != null && out.strategy.kind !== 'plan') {
    // A builtin needs only its graph here, not the weights resolveNetwork would draw.
    startGraph ??= builtinGraph(arch, data);
    const flops = startGraph ? countFlops(startGraph).forwardFlops : 0;
    if (flops > limit) {
      problems.push(
        `mutation.maxFlops: the start network already has ${flops.toExponential(3)} forward FLOPs per sample, over the limit ${limit.toExponential(3)}, so no sampled child could be made: raise the limit or start smaller`,
      );
    }
  }

  if (out.strategy.kind === 'plan') {
    const parsed = out.strategy.stages.every((stage, i) => {
      try {
        parseCommands(stage);
        return true;
      } catch (e) {
        problems.push(`strategy.stages.${i}: ${(e as Error).message}`);
        return false;
      }
    });
    // The plan on the architecture alone (no weights): a layer it cannot find or a size over
    // the morph limits is refused here, not in the middle of the search.
    let g = startGraph ?? builtinGraph(arch, data);
    for (let i = 0; parsed && g && i < out.strategy.stages.length; i++) {
      try {
        g = planCommands(g, out.strategy.stages[i], new Rng(out.seed)).graph;
      } catch (e) {
        if (!isInputError(e)) throw e;
        problems.push(`strategy.stages.${i}: ${e.message}`);
        g = null;
      }
    }
  }

  try {
    // The same parse a launch opens the store with: --check refuses what a run would.
    parseUri(out.storage.uri);
  } catch (e) {
    if (!isInputError(e)) throw e;
    problems.push(`storage.uri: ${e.message}`);
  }

  if (opts.localWorkers && out.executor.kind === 'kubernetes') {
    problems.push(
      'executor.kind: the kubernetes executor runs on cluster workers only; use process here, ' +
        'or set temporal.address and run `netgrow worker` in the cluster',
    );
  }
  if (out.executor.kind === 'kubernetes' && out.executor.image !== null) {
    const why = imageReferenceProblem(out.executor.image);
    if (why) problems.push(`executor.image: ${why}`);
  }
  // Runs on this machine's TensorFlow: asking for GPUs it does not see must not become a CPU run.
  if (out.executor.kind !== 'kubernetes') {
    const why = gpuShortfall(out.executor.gpus);
    if (why) problems.push(`executor.gpus: ${why}`);
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return out;
}

/** A builtin's graph for the dataset (no weights); null for anything else. */
function builtinGraph(arch: string, data: DataShape | undefined): Graph | null {
  if (!isBuiltin(arch)) return null;
  return builtin(arch, { inputShape: data && [...data.inputShape], numClasses: data?.numClasses });
}

/** How many training images a dataset has, where its registry entry says; null where only its files do. */
function trainingImages(entry: DatasetEntry): number | null {
  const s = entry.source;
  if (s.format === 'synthetic') return s.params.train;
  if (s.format === 'cifar') return s.train.reduce((n, f) => n + f.records, 0);
  if (s.format === 'idx') return (s.trainImages.rawSize - 16) / entry.inputShape.reduce((a, b) => a * b, 1);
  return null;
}

/** The images and classes of a dataset netgrow knows; undefined for one it does not (reported above). */
function dataShape(name: string): DataShape | undefined {
  try {
    const entry = datasetEntry(name);
    return { inputShape: entry.inputShape, numClasses: entry.classNames.length };
  } catch {
    return undefined;
  }
}
