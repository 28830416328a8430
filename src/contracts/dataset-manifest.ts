/**
 * A dataset staged into storage for trainers that do not have it (a pod's empty scratch
 * volume): launching a search on remote storage uploads the dataset's files once, each under
 * its own sha256 (`datasets/sha256/<hex>/<file>`), and a manifest listing them, itself named by
 * its sha256 (`datasets/sha256/<hex>.json`). A TrainSpec names the manifest and its digest
 * (`dataset.staged`); the trainer fetches and verifies every file before it trains. Content
 * addressing makes a second staging of the same files a no-op and a tampered object detectable.
 */
import { z } from 'zod';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256: 64 lowercase hex digits');

/** One or two plain path segments (`data_batch_1.bin`, `cifar-10-batches-bin/test_batch.bin`). */
const FileName = z
  .string()
  .regex(
    /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)?$/,
    'a file name inside the dataset folder (letters, digits, ".", "_", "-"; at most one subfolder)',
  );

export const StagedFile = z.strictObject({
  /** Where the file goes in the dataset's folder, as the loader finds it (src/data/locate.ts). */
  name: FileName,
  size: z.number().int().min(0),
  sha256: Sha256,
});
export type StagedFile = z.infer<typeof StagedFile>;

export const DATASET_MANIFEST_FORMAT = 'netgrow.dataset/v1';

export const DatasetManifest = z.strictObject({
  format: z.literal(DATASET_MANIFEST_FORMAT),
  /** The registry's canonical name (`fashion-mnist`). */
  dataset: z.string().min(1),
  files: z.array(StagedFile).min(1),
});
export type DatasetManifest = z.infer<typeof DatasetManifest>;

/** What a TrainSpec carries: the manifest's URI and the sha256 of its bytes. */
export const StagedDataset = z.strictObject({
  manifest: z.string().min(1),
  sha256: Sha256,
});
export type StagedDataset = z.infer<typeof StagedDataset>;

/** The folder under a storage root that holds staged files and manifests. */
export const STAGED_FOLDER = 'datasets/sha256';

/** A manifest's key in the staged folder. */
export const manifestKey = (sha256: string): string => `${sha256}.json`;

/** A file's key in the staged folder: its digest, then its own name (without any subfolder). */
export const stagedFileKey = (file: StagedFile): string => `${file.sha256}/${file.name.split('/').pop()}`;
