/**
 * `netgrow evaluate --checkpoint <uri> --dataset '<json>'`: trained checkpoints scored on the
 * validation and/or test split. The evaluate activity runs it as a child process, so scoring
 * never blocks a worker's event loop (a blocked loop misses heartbeats and leaves finished
 * trainers as zombies); it is also a way to score a checkpoint by hand.
 */
import { BackendName, BACKEND_NAMES, initBackend } from '../backend';
import { openStore } from '../storage';
import { SCORE_SPLITS, scoreCheckpoints, type ScoreReport, type ScoreSplit } from '../train/score';
import { DatasetSpec, TRAIN_EXIT } from '../contracts/train';
import { UsageError } from '../contracts/errors';
import { reportError } from './errors';
import { parseFlags } from './flags';

export const help = `netgrow evaluate --checkpoint <uri> [--checkpoint <uri> …] [options] — score trained checkpoints

  --checkpoint <uri>   a checkpoint folder (graph.json + weights): a path, file:///… or s3://…; repeatable
  --dataset <json>     the dataset as a TrainSpec's \`dataset\` (default {} = fashion-mnist); its
                       splitSeed picks the validation rows, as in training
  --split <list>       val, test or val,test (default val,test)
  --backend <name>     tensorflow | wasm | cpu (default: the fastest available; also NETGROW_BACKEND)
  --json               one JSON line: {"format":"netgrow.scores/v1","scores":[{checkpoint, params, val, test}]}

exit codes: 0 scored, ${TRAIN_EXIT.badInput} bad input (flags, checkpoint, dataset), ${TRAIN_EXIT.infrastructure} infrastructure error`;

export async function run(args: string[]): Promise<number> {
  try {
    const flags = parseEvaluateFlags(args);
    await initBackend({ prefer: flags.backend, log: () => undefined });
    const scores = await scoreCheckpoints({
      checkpoints: flags.checkpoints,
      dataset: flags.dataset,
      splits: flags.splits,
      openStore: (uri) => openStore(uri),
    });
    if (flags.json) {
      const report: ScoreReport = { format: 'netgrow.scores/v1', scores };
      console.log(JSON.stringify(report));
    } else {
      const pct = (s: { acc: number } | null) => (s ? `${(s.acc * 100).toFixed(2)}%` : '—');
      for (const s of scores)
        console.log(`${s.checkpoint}  params ${s.params}  val acc ${pct(s.val)}  test acc ${pct(s.test)}`);
    }
    return 0;
  } catch (e) {
    return reportError(e, 'netgrow evaluate');
  }
}

interface Flags {
  checkpoints: string[];
  dataset: DatasetSpec;
  splits: ScoreSplit[];
  backend?: BackendName;
  json: boolean;
}

function parseEvaluateFlags(args: string[]): Flags {
  const values = parseFlags(args, 'evaluate', {
    checkpoint: { type: 'string', multiple: true },
    dataset: { type: 'string' },
    split: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
  });
  const checkpoints = values.checkpoint ?? [];
  if (checkpoints.length === 0)
    throw new UsageError('--checkpoint <uri> is required (netgrow evaluate --help)');
  let raw: unknown;
  try {
    raw = JSON.parse(values.dataset ?? '{}');
  } catch (e) {
    throw new UsageError(`--dataset is not JSON: ${(e as Error).message}`);
  }
  const dataset = DatasetSpec.safeParse(raw);
  if (!dataset.success) {
    const why = dataset.error.issues.map((i) => `${i.path.join('.') || 'dataset'}: ${i.message}`).join('; ');
    throw new UsageError(`--dataset: ${why}`);
  }
  const splits = (values.split ?? 'val,test').split(',').map((s) => s.trim());
  const unknown = splits.filter((s) => !SCORE_SPLITS.includes(s as ScoreSplit));
  if (unknown.length > 0 || splits.length === 0)
    throw new UsageError(`--split ${values.split}: use val, test or val,test`);
  const backend = values.backend;
  if (backend !== undefined && !BACKEND_NAMES.includes(backend as BackendName))
    throw new UsageError(`--backend ${backend} is not a backend; use tensorflow, wasm or cpu`);
  return {
    checkpoints,
    dataset: dataset.data,
    splits: splits as ScoreSplit[],
    backend: backend as BackendName | undefined,
    json: values.json ?? false,
  };
}
