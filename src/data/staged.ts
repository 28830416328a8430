/**
 * The dataset side of staging (src/contracts/dataset-manifest.ts), without storage: which files
 * make a located copy and their digests (the launcher uploads them), and putting a staged copy
 * into the download cache (the trainer, with the bytes its caller fetched). A cached file with
 * the right sha256 is kept; a fetched one is checked before it is written, and written under a
 * temp name that is renamed into place, so a killed trainer or a tampered object never leaves
 * a file the loader would take for data. Temp names are unique per writer: pods sharing a
 * node-local cache may fetch the same file at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { DATASET_MANIFEST_FORMAT, DatasetManifest, type StagedFile } from '../contracts/dataset-manifest';
import { matchesOnDisk } from './download';
import { DatasetError } from './errors';
import { sha256 } from './integrity';
import type { Located } from './locate';
import { cacheDir, type PlaceOptions } from './places';
import type { DatasetEntry } from './registry';

/** A file of a located copy: its name in the dataset folder and where it is. */
export interface DatasetFile {
  name: string;
  path: string;
}

/** The files that make the located copy, named relative to the folder it was found in. */
export function datasetFiles(located: Located): DatasetFile[] {
  const { found, place } = located;
  const paths =
    found.format === 'idx'
      ? Object.values(found.paths)
      : found.format === 'mat'
        ? [found.paths.train, found.paths.test]
        : found.files.kind === 'archive'
          ? [found.files.path]
          : [...found.files.train, ...found.files.test];
  return paths.map((path) => ({ name: relative(place.dir, path).split(sep).join('/'), path }));
}

/** The manifest of these files, sorted by name so the same files always give the same bytes. */
export async function describeFiles(dataset: string, files: DatasetFile[]): Promise<DatasetManifest> {
  const staged: StagedFile[] = [];
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    staged.push({ name: f.name, ...(await digestFile(f.path)) });
  }
  return DatasetManifest.parse({ format: DATASET_MANIFEST_FORMAT, dataset, files: staged });
}

async function digestFile(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { size, sha256: hash.digest('hex') };
}

export interface InstallReport {
  dir: string;
  fetched: StagedFile[];
  present: StagedFile[];
}

/**
 * Puts the manifest's files into the dataset's cache folder. `fetch` gets one file's bytes
 * (from storage); its errors pass through. `from` names the copy in messages.
 */
export async function installStaged(
  entry: DatasetEntry,
  manifest: DatasetManifest,
  fetch: (file: StagedFile) => Promise<Uint8Array>,
  from: string,
  opts: PlaceOptions = {},
): Promise<InstallReport> {
  const dir = cacheDir(entry.name, opts);
  const report: InstallReport = { dir, fetched: [], present: [] };
  for (const file of manifest.files) {
    const dest = join(dir, file.name);
    if (await matchesOnDisk(dest, file)) {
      report.present.push(file);
      continue;
    }
    const bytes = await fetch(file);
    const what = `staged file ${file.name} of ${entry.name} (${from})`;
    if (bytes.length !== file.size) {
      throw new DatasetError(
        'corrupt',
        `${what}: ${bytes.length} bytes, the manifest says ${file.size}; nothing was written — stage the dataset again (launch the search again) or put it in ${dir} by hand`,
      );
    }
    const digest = sha256(bytes);
    if (digest !== file.sha256) {
      throw new DatasetError(
        'corrupt',
        `${what}: sha256 ${digest}, the manifest says ${file.sha256}; the object in storage is damaged or was replaced, nothing was written — delete it and launch the search again to stage it anew`,
      );
    }
    await writeAtomically(dest, bytes, dir);
    report.fetched.push(file);
  }
  return report;
}

async function writeAtomically(dest: string, bytes: Uint8Array, cache: string): Promise<void> {
  const temp = `${dest}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  try {
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(temp, bytes);
    await rename(temp, dest);
  } catch (e) {
    await rm(temp, { force: true });
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new DatasetError(
      'cache',
      `cannot write the dataset cache ${cache} (${code}); point NETGROW_DATASET_CACHE, XDG_CACHE_HOME or HOME at a folder the trainer can write`,
    );
  }
}
