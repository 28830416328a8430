/**
 * `netgrow grow --plan <file>`: the seed's explicit growth — train the start network, then
 * apply each stage's commands to the previous stage's trained network and train again — as a
 * Temporal workflow, with the same embedded default and flags as `netgrow search`.
 */
import { dirname, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { ConfigError, type SearchConfig } from '../search/config';
import { loadSearchConfig, parseSearchConfig } from '../experiment/prepare';
import { parsePlanText } from '../search/plan';
import { EXPERIMENT_OPTIONS, runExperiment } from './experiment-flags';
import { parseFlags } from './flags';
import { prepare } from './search';
import type { CliContext } from './command';
import { UsageError } from '../contracts/errors';

export const help = `netgrow grow --plan <file> [options] — grow a network by an explicit plan, training after each stage

  --plan <file>               a plan: text, one stage per line, commands separated by ';' ('#' comments),
                              e.g. "deeper conv2; deeper fc1" — or a search config (YAML/JSON) whose
                              strategy is {kind: plan, stages: [...]} or {kind: plan, file: plan.txt}
  --config <file>             with a text plan: the rest of the settings (dataset, start, train, storage)
  --name <name>               the experiment's name (default: the plan file's name)
  --arch <builtin|graph.json> the start network (overrides start.arch)
  --dataset <name>            the dataset (overrides dataset.name)
  --epochs <n>                epochs per stage (overrides train.epochs)
  --check                     validate and exit
  and --parallelism, --temporal-address, --temporal-tls-*, --temporal-api-key-file, --namespace, --workers, --detach, --headless, --json as for
  netgrow search (see netgrow search --help)

The first stage trains the start network as it is; a stage that cannot be trained ends the plan.
The result lists every stage's accuracy (the seed's Figure 3) and the report shows the lineage.`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const values = parseFlags(args, 'grow', {
    ...EXPERIMENT_OPTIONS,
    plan: { type: 'string' },
    config: { type: 'string' },
    name: { type: 'string' },
    arch: { type: 'string' },
    dataset: { type: 'string' },
    epochs: { type: 'string' },
    check: { type: 'boolean' },
  });
  const planFile = values.plan as string | undefined;
  if (!planFile) throw new UsageError('--plan <file> is required: the stages to grow (netgrow grow --help)');
  const loaded = await loadPlan(planFile, values);
  // Relative paths (start.arch, dataset.dataDir) are the config file's.
  const config = await prepare(loaded.config, loaded.source, values);
  if (values.check) {
    console.log(
      `${planFile}: valid (${stageCount(config)} stages on ${config.dataset.name}, start ${config.start.arch})`,
    );
    return 0;
  }
  return runExperiment(values, { kind: 'grow', config }, ctx);
}

function stageCount(config: SearchConfig): number {
  return config.strategy.kind === 'plan' ? config.strategy.stages.length : 0;
}

async function loadPlan(
  planFile: string,
  values: Record<string, string | boolean | undefined>,
): Promise<{ config: SearchConfig; source: string }> {
  const isConfig = /\.(ya?ml|json)$/i.test(planFile);
  let raw: Record<string, unknown>;
  let source: string;
  if (isConfig) {
    if (values.config) throw new UsageError('--config goes with a text plan; this plan is a config already');
    const config = await loadSearchConfig(planFile);
    if (config.strategy.kind !== 'plan') {
      throw new ConfigError(planFile, [
        `strategy.kind: netgrow grow needs a plan ({kind: plan, stages: [...]}), received "${config.strategy.kind}"; use netgrow search for it`,
      ]);
    }
    raw = { ...config, strategy: { kind: 'plan', stages: config.strategy.stages } };
    source = planFile;
  } else {
    let text: string;
    try {
      text = await readFile(planFile, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read the plan ${planFile} (${(e as NodeJS.ErrnoException).code})`);
    }
    const base = values.config ? await loadSearchConfig(values.config as string) : null;
    const stem = planFile.replace(/^.*\//, '').replace(/\.[^.]*$/, '');
    raw = {
      ...(base ?? { name: slug(stem) }),
      strategy: { kind: 'plan', stages: parsePlanText(text) },
    };
    source = (values.config as string | undefined) ?? planFile;
  }
  if (values.name) raw.name = values.name;
  const over = (key: string, field: string, value: unknown) => {
    const section = (raw[key] ?? {}) as Record<string, unknown>;
    raw[key] = { ...section, [field]: value };
  };
  if (values.arch) over('start', 'arch', values.arch);
  if (values.dataset) over('dataset', 'name', values.dataset);
  if (values.epochs) over('train', 'epochs', Number(values.epochs));
  return { config: await parseSearchConfig(raw, source, dirname(resolve(source))), source };
}

/** A file name as an experiment name: `Seed Plan 3.txt` → `seed-plan-3`. */
function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s === '' ? 'grow' : s.slice(0, 40);
}
