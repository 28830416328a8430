/**
 * Export to a plain tfjs LayersModel folder (model.json + one weights shard) that stock
 * `tf.loadLayersModel` opens without netgrow: custom layers are replaced by portable ones.
 */
import { Graph, Weights } from '../graph';
import { ArtifactStore } from '../storage/store';
import { buildModel } from './build';
import { tf } from '../backend/tf';

export async function exportLayersModel(
  store: ArtifactStore,
  prefix: string,
  g: Graph,
  w: Weights,
): Promise<void> {
  const model = buildModel(g, w, { portable: true });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  const a = artifacts!;
  const shard = 'group1-shard1of1.bin';
  const modelJson = {
    modelTopology: a.modelTopology,
    format: 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: 'netgrow',
    weightsManifest: [{ paths: [shard], weights: a.weightSpecs }],
  };
  const data = a.weightData as ArrayBuffer;
  const p = prefix ? `${prefix.replace(/\/+$/, '')}/` : '';
  await store.put(`${p}${shard}`, new Uint8Array(data));
  await store.put(`${p}model.json`, JSON.stringify(modelJson));
}
