/**
 * `netgrow train --spec <file|uri>`: one training run, the same command a Kubernetes pod runs.
 * A thin shell over `runTraining`: it reads the spec, applies the flags, prints progress lines
 * a parent process can parse, turns SIGTERM into a checkpoint-and-stop, and maps the outcome
 * to the documented exit codes.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { formatProgressLine } from '../executor/executor';
import { StorageError } from '../storage/store';
import { locateFile } from '../storage/locate';
import { runTraining } from '../train/run';
import { progressWriter } from '../train/progress-file';
import { openStore } from '../storage';
import { TRAIN_EXIT, TrainResult } from '../contracts/train';
import { parseTrainSpec, SpecError } from '../train/spec-errors';
import { UsageError } from '../contracts/errors';
import { oneLine, reportError } from './errors';
import { parseFlags } from './flags';
import {
  askedTrainBackend,
  initBackend,
  outOfMemoryKind,
  TRAIN_BACKEND_NAMES,
  TrainBackendName,
} from '../backend';
import { chooseRunBackend } from '../train/backend-choice';
import { graphAddon } from '../train/graph-trainer';

export const help = `netgrow train --spec <file|uri> [options] — train one network as a TrainSpec says

  --spec <file|uri>     the TrainSpec (JSON or YAML): a path, file:///… or s3://bucket/key
  --resume              continue from the last complete checkpoint under the spec's output (default)
  --no-resume           start again from the spec's checkpoint, replacing earlier epoch checkpoints
  --data-dir <dir>      where datasets are (overrides dataset.dataDir; also NETGROW_DATA); found
                        nowhere, the staged copy the spec names (dataset.staged) is fetched into
                        the dataset cache and checked against its sha256 first
  --backend <name>      tensorflow | wasm | cpu | graph (else the spec's backend, else NETGROW_BACKEND;
                        default: the faster of tensorflow and wasm for this network and batch, timed
                        over a few steps, cached on disk); graph: the graph engine, each step one
                        TensorFlow session run
  --json                print the TrainResult as one JSON object on the last stdout line

Writes under the spec's output: epochs/<n>/ (resumable checkpoints), final/ (the trained
checkpoint), train.csv, events.out.tfevents.*, lineage.jsonl, result.json.
Prints one line per epoch, and progress lines 'NETGROW_PROGRESS {"epoch":…,"step":…}' for a
parent process. SIGTERM/SIGINT: finish the current step, checkpoint to interrupted/, exit 130.

exit codes: 0 done (or paused at the spec's pauseAfterEpoch), ${TRAIN_EXIT.badInput} bad spec or input, ${TRAIN_EXIT.diverged} diverged (see result.json), ${TRAIN_EXIT.infrastructure} infrastructure error (storage, backend), ${TRAIN_EXIT.outOfMemory} out of accelerator
memory (TensorFlow's ResourceExhausted, CUDA out of memory, the wasm heap: a smaller batch may fit), ${TRAIN_EXIT.interrupted} stopped by a signal`;

interface Flags {
  spec: string;
  resume?: boolean;
  dataDir?: string;
  backend?: TrainBackendName;
  json: boolean;
}

export async function run(args: string[]): Promise<number> {
  let flags: Flags;
  let spec;
  try {
    flags = parseTrainFlags(args);
    spec = parseTrainSpec(applyFlags(await readSpec(flags.spec), flags), flags.spec);
  } catch (e) {
    return reportError(e, 'netgrow train');
  }
  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(TRAIN_EXIT.interrupted); // a second signal: leave now
    console.error(`netgrow train: ${sig}: stopping after this step and checkpointing`);
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    // The backend line is information, not an error: stdout, so stderr holds errors only.
    const log = (line: string) => console.log(line);
    // A backend named by flag or environment starts before the data loads: a wrong one fails fast.
    // The graph engine's line comes from chooseRunBackend, once its addon is known to load.
    const prefer = flags.backend ?? spec.backend;
    const preferFrom = flags.backend ? '--backend' : "the spec's backend";
    const asked = askedTrainBackend(prefer);
    if (asked === 'graph') graphAddon();
    if (asked) await initBackend({ prefer, log: asked === 'graph' ? () => undefined : log });
    // Progress on stdout (the process executor's) and in the run folder (a pod executor's).
    const progress = progressWriter(openStore(spec.output));
    const result = await runTraining(spec, {
      chooseBackend: (target) => chooseRunBackend(target, { prefer, preferFrom, log }),
      signal: stop.signal,
      onProgress: (p) => {
        console.log(formatProgressLine(p));
        progress.offer(p);
      },
    });
    await progress.flush();
    if (flags.json) console.log(JSON.stringify(result));
    return exitCode(result, stop.signal.aborted);
  } catch (e) {
    const oom = outOfMemoryKind(e);
    if (oom) {
      // One line on stderr: what the executors quote (the process executor's last lines, a
      // pod's termination message and log tail) when they fail the run as out of memory.
      console.error(
        oneLine(
          `netgrow train: out of accelerator memory (${oom}): ${firstLine(e)}; a smaller batch may fit`,
        ),
      );
      return TRAIN_EXIT.outOfMemory;
    }
    return reportError(e, 'netgrow train');
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/** The error's message without tfjs-node's "Invalid TF_Status: 8" line before TensorFlow's own. */
function firstLine(e: unknown): string {
  const message = (e as Error).message ?? String(e);
  return message.replace(/^Invalid TF_Status: \d+\s*\n\s*Message:\s*/, '').split('\n')[0];
}

function exitCode(r: TrainResult, signalled: boolean): number {
  if (r.status === 'diverged') return TRAIN_EXIT.diverged;
  // Stopped without a signal is the spec's pause (pauseAfterEpoch): done, resumable by design.
  if (r.status === 'stopped') return signalled ? TRAIN_EXIT.interrupted : TRAIN_EXIT.done;
  return TRAIN_EXIT.done;
}

function parseTrainFlags(args: string[]): Flags {
  const values = parseFlags(args, 'train', {
    spec: { type: 'string' },
    resume: { type: 'boolean' },
    'no-resume': { type: 'boolean' },
    'data-dir': { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (!values.spec)
    throw new UsageError('--spec <file|uri> is required: the TrainSpec to run (netgrow train --help)');
  if (values.resume && values['no-resume'])
    throw new UsageError('--resume and --no-resume contradict each other');
  return {
    spec: values.spec,
    resume: values.resume ? true : values['no-resume'] ? false : undefined,
    dataDir: values['data-dir'],
    backend: values.backend === undefined ? undefined : backendName(values.backend),
    json: values.json,
  };
}

function backendName(v: string): TrainBackendName {
  if (TRAIN_BACKEND_NAMES.includes(v as TrainBackendName)) return v as TrainBackendName;
  throw new UsageError(`--backend ${v} is not a backend; use tensorflow, wasm, cpu or graph`);
}

async function readSpec(where: string): Promise<unknown> {
  let text: string;
  try {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(where)) {
      const { store, key } = locateFile(where);
      text = await store.getText(key);
    } else {
      text = readFileSync(where, 'utf8');
    }
  } catch (e) {
    // An unreachable bucket is an outage (retryable), a missing file a mistake in the command.
    if (e instanceof StorageError && e.code !== 'not_found' && e.code !== 'bad_uri') throw e;
    throw new SpecError(`cannot read the spec ${where}: ${(e as Error).message}`);
  }
  try {
    return /\.ya?ml$/i.test(where) ? parseSpecYaml(text) : (JSON.parse(text) as unknown);
  } catch (e) {
    throw new SpecError(
      `spec ${where} is not valid ${/\.ya?ml$/i.test(where) ? 'YAML' : 'JSON'}: ${(e as Error).message}`,
    );
  }
}

/** YAML with the core schema only: an unknown `!tag` is an error, aliases expand boundedly. */
function parseSpecYaml(text: string): unknown {
  const doc = parseDocument(text, { schema: 'core', customTags: [] });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw problem;
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

function applyFlags(raw: unknown, f: Flags): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw; // the schema says what is wrong
  const spec = { ...(raw as Record<string, unknown>) };
  if (f.resume !== undefined) spec.resume = f.resume;
  if (f.dataDir !== undefined) {
    const dataset = spec.dataset;
    spec.dataset = {
      ...(typeof dataset === 'object' && dataset !== null ? dataset : {}),
      dataDir: f.dataDir,
    };
  }
  return spec;
}
