/**
 * Staging the dataset at launch (src/contracts/dataset-manifest.ts): on remote storage, a
 * registry dataset found on this machine is uploaded once under its content's sha256, with a
 * manifest, and the config's `dataset.staged` names the manifest, so experiment.json, every
 * worker and every candidate's TrainSpec see the same copy. Objects already there are not
 * uploaded again: a second search on the same storage uploads nothing. File storage needs no
 * copy (its trainers share this machine's disk), nor a synthetic dataset (it is generated).
 */
import { readFile } from 'node:fs/promises';
import { manifestKey, STAGED_FOLDER, stagedFileKey, type StagedDataset } from '../contracts/dataset-manifest';
import { datasetEntry, DatasetError, datasetFiles, describeFiles, tryLocate } from '../data';
import { sha256 } from '../data/integrity';
import type { SearchConfig } from '../search/config';
import { joinUri, openStore, parseUri, type ArtifactStore } from '../storage';

export interface StagingReport {
  dataset: string;
  staged: StagedDataset;
  files: number;
  /** Objects uploaded now (files and manifest); 0 when everything was there. */
  uploaded: number;
  uploadedBytes: number;
}

/**
 * The config with `dataset.staged` set, and what was done; the config as it is (report null)
 * where nothing needs staging or it names a staged copy already.
 */
export async function stageDataset(
  config: SearchConfig,
  storageUri: string,
  open: (uri: string) => ArtifactStore = openStore,
): Promise<{ config: SearchConfig; report: StagingReport | null }> {
  const unchanged = { config, report: null };
  if (config.dataset.staged || parseUri(storageUri).kind !== 's3') return unchanged;
  const entry = datasetEntry(config.dataset.name);
  if (entry.source.format === 'synthetic') return unchanged;
  // prepareExperiment has refused a dataset that is not here; a config that skipped it has
  // nothing to stage, and its trainers say where they looked.
  const located = tryLocate(entry, { dataDir: config.dataset.dataDir });
  if (!located) return unchanged;

  const files = datasetFiles(located);
  const manifest = await describeFiles(entry.name, files);
  const store = open(joinUri(storageUri, STAGED_FOLDER));
  let uploaded = 0;
  let uploadedBytes = 0;
  for (const file of manifest.files) {
    const key = stagedFileKey(file);
    if (await store.exists(key)) continue;
    const path = files.find((f) => f.name === file.name)!.path;
    const bytes = await readFile(path);
    // The bytes uploaded are the bytes hashed: a file replaced meanwhile is not published under a digest it lacks.
    if (sha256(bytes) !== file.sha256) {
      throw new DatasetError('corrupt', `${path} changed while it was being staged; launch the search again`);
    }
    await store.put(key, bytes);
    uploaded++;
    uploadedBytes += bytes.length;
  }
  const body = `${JSON.stringify(manifest, null, 2)}\n`;
  const digest = sha256(Buffer.from(body, 'utf8'));
  if (!(await store.exists(manifestKey(digest)))) {
    // Written after its files: a manifest in storage always names objects that are there.
    await store.put(manifestKey(digest), body);
    uploaded++;
  }
  const staged = { manifest: joinUri(store.uri, manifestKey(digest)), sha256: digest };
  return {
    config: { ...config, dataset: { ...config.dataset, staged } },
    report: { dataset: entry.name, staged, files: manifest.files.length, uploaded, uploadedBytes },
  };
}

/** The launch's line about it. */
export function describeStaging(r: StagingReport): string {
  const what =
    r.uploaded === 0
      ? 'already there, nothing uploaded'
      : `${r.uploaded} object(s) uploaded, ${(r.uploadedBytes / 1e6).toFixed(1)} MB`;
  return `  dataset:  ${r.dataset} staged as ${r.staged.manifest} (${r.files} files; ${what})`;
}
