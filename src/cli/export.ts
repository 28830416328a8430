/**
 * `netgrow export <experimentId|checkpoint> --format tfjs|onnx|keras --out <dir>`: writes a
 * network (an experiment's best candidate, a named one, or any checkpoint) in a format other
 * tools open. The decisions live in src/model/export-formats.ts and
 * src/report/candidate-checkpoint.ts; this module parses flags and prints.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findExperiment } from '../experiment/experiment';
import { readCheckpoint } from '../model/checkpoint';
import { EXPORT_FORMATS, exportEntryFile, exportNetwork, parseExportFormat } from '../model/export-formats';
import { candidateCheckpoint } from '../report/candidate-checkpoint';
import { openStore } from '../storage/open';
import { joinUri } from '../storage/uri';
import { UsageError } from '../contracts/errors';
import { parseFlags } from './flags';

export const help = `netgrow export <experimentId|checkpoint> --format ${EXPORT_FORMATS.join('|')} --out <dir> [options] — write a network for other tools

  <experimentId>        an experiment: exports its best candidate (or --candidate), trained weights
  <checkpoint>          or a checkpoint folder or URI (graph.json, weights.*, meta.json)
  --candidate <id|best> which candidate of the experiment (default best: highest validation accuracy)
  --format <f>          tfjs: model.json + weights for tf.loadLayersModel
                        onnx: model.onnx (opset 13, NHWC float32 input) for any ONNX runtime
                        keras: model.keras for Keras 3's keras.saving.load_model
  --out <dir>           a folder or URI to write into (created if needed)
  --storage <uri>       where the experiment is (default: ./runs, then NETGROW_HOME's record)
  --json                one JSON object: {source, candidate, trained, format, files}`;

const OPTIONS = {
  candidate: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  storage: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** A path or URI names a checkpoint; a bare word names an experiment unless it is a checkpoint folder here. */
const isCheckpointRef = (ref: string): boolean =>
  ref.includes('://') || ref.includes('/') || existsSync(join(ref, 'meta.json'));

export async function run(args: string[]): Promise<number> {
  const [ref, ...rest] = args;
  const usage = `usage: netgrow export <experimentId|checkpoint> --format ${EXPORT_FORMATS.join('|')} --out <dir>`;
  if (!ref || ref.startsWith('-')) throw new UsageError(usage);
  const values = parseFlags(rest, 'export', OPTIONS);
  if (typeof values.format !== 'string' || typeof values.out !== 'string') {
    throw new UsageError(`--format and --out are required; ${usage}`);
  }
  const format = parseExportFormat(values.format);
  let source = ref;
  let candidate: string | null = null;
  let trained = true;
  if (!isCheckpointRef(ref)) {
    const storage = (values.storage as string | undefined) ?? (await findExperiment(ref)).storage;
    const picked = await candidateCheckpoint(
      openStore(storage),
      `experiments/${ref}`,
      (values.candidate as string | undefined) ?? 'best',
    );
    ({ uri: source, candidateId: candidate, trained } = picked);
  } else if (values.candidate !== undefined) {
    throw new UsageError(
      '--candidate picks a candidate of an experiment; a checkpoint is one network already',
    );
  }
  const { graph, weights } = await readCheckpoint(openStore(source), '');
  const out = openStore(values.out);
  const files = await exportNetwork(out, '', graph, weights, format);
  if (values.json) {
    console.log(
      JSON.stringify({ source, candidate, trained, format, files: files.map((f) => joinUri(out.uri, f)) }),
    );
  } else {
    const what = candidate ? `candidate ${candidate} of ${ref}` : source;
    console.log(`exported ${what} as ${format}: ${joinUri(out.uri, exportEntryFile(format))}`);
    if (!trained)
      console.log(`note: ${candidate} has no trained run; these are the weights it was created with`);
  }
  return 0;
}
