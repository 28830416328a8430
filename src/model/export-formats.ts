/**
 * One entry point for taking a network out of netgrow: `exportNetwork` writes a graph and its
 * weights in one of three formats under a store prefix and returns the keys it wrote.
 *   - tfjs:  model.json + group1-shard1of1.bin, opened by stock `tf.loadLayersModel`;
 *   - onnx:  model.onnx (opset 13, NHWC input), run by any ONNX runtime;
 *   - keras: model.keras, opened by Keras 3's `keras.saving.load_model`.
 * What a format cannot hold is refused with an ExportError before anything is written.
 */
import { countParams, Graph, Weights } from '../graph';
import { ArtifactStore } from '../storage/store';
import { exportLayersModel } from './export';
import { encodeKeras } from './export-keras';
import { encodeOnnx } from './export-onnx';
import { NetgrowError } from '../contracts/errors';

export const EXPORT_FORMATS = ['tfjs', 'onnx', 'keras'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export class ExportError extends NetgrowError {
  constructor(
    readonly code: 'bad_format' | 'too_large',
    message: string,
  ) {
    super(message, 'input');
    this.name = 'ExportError';
  }
}

/** Protobuf messages stop at 2 GiB; ONNX keeps larger weights in external files, not written here. */
const ONNX_INLINE_LIMIT = 2 ** 31 - 2 ** 24;
/** The zip writer has no zip64: archives stay below 4 GiB. */
const KERAS_ZIP_LIMIT = 2 ** 32 - 2 ** 24;

export function parseExportFormat(text: string): ExportFormat {
  if ((EXPORT_FORMATS as readonly string[]).includes(text)) return text as ExportFormat;
  throw new ExportError('bad_format', `unknown export format '${text}'; choose ${EXPORT_FORMATS.join(', ')}`);
}

/** The file a format's export is opened by (what a user passes to the runtime). */
export function exportEntryFile(format: ExportFormat): string {
  return { tfjs: 'model.json', onnx: 'model.onnx', keras: 'model.keras' }[format];
}

/** Refuses what the format cannot express; nothing is written when this throws. */
export function checkExportable(g: Graph, format: ExportFormat): void {
  const bytes = countParams(g) * 4;
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  if (format === 'onnx' && bytes > ONNX_INLINE_LIMIT) {
    throw new ExportError(
      'too_large',
      `'${g.name}' holds ${gib(bytes)} of weights; an ONNX file keeps weights inline only up to 2 GiB (protobuf's limit), and netgrow does not write ONNX external data`,
    );
  }
  if (format === 'keras' && bytes > KERAS_ZIP_LIMIT) {
    throw new ExportError(
      'too_large',
      `'${g.name}' holds ${gib(bytes)} of weights; netgrow writes .keras archives only below 4 GiB (no zip64)`,
    );
  }
}

export async function exportNetwork(
  store: ArtifactStore,
  prefix: string,
  g: Graph,
  w: Weights,
  format: ExportFormat,
): Promise<string[]> {
  checkExportable(g, format);
  const p = prefix ? `${prefix.replace(/\/+$/, '')}/` : '';
  switch (format) {
    case 'tfjs':
      await exportLayersModel(store, prefix, g, w);
      return [`${p}model.json`, `${p}group1-shard1of1.bin`];
    case 'onnx':
      await store.put(`${p}model.onnx`, encodeOnnx(g, w));
      return [`${p}model.onnx`];
    case 'keras':
      await store.put(`${p}model.keras`, encodeKeras(g, w));
      return [`${p}model.keras`];
  }
}
