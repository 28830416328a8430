/**
 * A trainer without the dataset (a pod's empty scratch volume) fetches the staged copy its spec
 * names (`dataset.staged`, src/contracts/dataset-manifest.ts) into its dataset cache, verified
 * file by file against the manifest, whose own bytes are checked against the spec's digest.
 * Wherever the dataset is found already, nothing is fetched: the process and in-process
 * executors, on the machine that launched the search, read their local copy as before.
 */
import { DatasetManifest, stagedFileKey, type StagedDataset } from '../contracts/dataset-manifest';
import type { DatasetSpec } from '../contracts/train';
import { datasetEntry, DatasetError, installStaged, tryLocate } from '../data';
import { sha256 } from '../data/integrity';
import { loadTrainingData, type DatasetTrainingData } from '../data/training-data';
import { locateFile, type StoreOpener } from '../storage/locate';
import { openStore } from '../storage/open';
import { StorageError, type ArtifactStore } from '../storage/store';
import { redactUri } from '../storage/uri';

export interface StagedFetchOptions {
  open?: StoreOpener;
  log?: (line: string) => void;
  /** Environment for the places looked in and the cache (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Fetches the staged copy into the cache when the spec names one and no place has the dataset. */
export async function fetchStagedDataset(dataset: DatasetSpec, opts: StagedFetchOptions = {}): Promise<void> {
  const staged = dataset.staged;
  if (!staged) return;
  const entry = datasetEntry(dataset.name);
  const places = { dataDir: dataset.dataDir, env: opts.env };
  if (entry.source.format === 'synthetic' || tryLocate(entry, places)) return;
  const { store, key } = locateFile(staged.manifest, opts.open ?? openStore);
  const manifest = await readManifest(store, key, staged);
  if (manifest.dataset !== entry.name) {
    throw new DatasetError(
      'bad-spec',
      `the staged manifest ${redactUri(staged.manifest)} is of dataset '${manifest.dataset}', the spec trains on '${entry.name}'; fix dataset.staged or dataset.name`,
    );
  }
  const from = redactUri(store.uri);
  const report = await installStaged(
    entry,
    manifest,
    (f) => getStaged(store, stagedFileKey(f)),
    from,
    places,
  );
  const bytes = report.fetched.reduce((n, f) => n + f.size, 0);
  opts.log?.(
    `dataset ${entry.name}: fetched ${report.fetched.length} of ${manifest.files.length} files (${(bytes / 1e6).toFixed(1)} MB) from ${from} into ${report.dir}, sha256 verified`,
  );
}

/** `loadTrainingData`, fetching the staged copy first where needed: `netgrow train`'s loader. */
export async function loadStagedTrainingData(
  spec: { seed: number; dataset: DatasetSpec },
  opts: StagedFetchOptions = {},
): Promise<DatasetTrainingData> {
  await fetchStagedDataset(spec.dataset, opts);
  return loadTrainingData(spec, { env: opts.env });
}

async function readManifest(
  store: ArtifactStore,
  key: string,
  staged: StagedDataset,
): Promise<DatasetManifest> {
  const uri = redactUri(staged.manifest);
  const bytes = await getStaged(store, key);
  const digest = sha256(bytes);
  if (digest !== staged.sha256) {
    throw new DatasetError(
      'corrupt',
      `the staged manifest ${uri} has sha256 ${digest}, the spec says ${staged.sha256}; it was damaged or replaced — launch the search again to stage the dataset anew`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    value = null;
  }
  const parsed = DatasetManifest.safeParse(value);
  if (!parsed.success) {
    throw new DatasetError(
      'corrupt',
      `${uri} is not a netgrow dataset manifest (${parsed.error.issues[0]?.message})`,
    );
  }
  return parsed.data;
}

/** An object of the staged copy; one that is gone is the user's to restore, not an outage. */
async function getStaged(store: ArtifactStore, key: string): Promise<Uint8Array> {
  try {
    return await store.get(key);
  } catch (e) {
    if (!(e instanceof StorageError && e.code === 'not_found')) throw e;
    throw new DatasetError(
      'missing',
      `the staged dataset object ${redactUri(store.uri)}/${key} is not in storage; launch the search again to stage the dataset, or put the dataset where the trainer looks (NETGROW_DATA)`,
    );
  }
}
