/**
 * Optional download into the cache (`netgrow datasets --download <name>`), for machines that can
 * reach the datasets' hosts. Nothing depends on it: every dataset can also be put in place by
 * hand or by a package. Each file streams to `<file>.partial`, is checked against its pinned
 * size and sha256, and only then renamed into place, so a cut or tampered download never
 * looks like data.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import { DatasetError } from './errors';
import { cacheDir, PlaceOptions } from './places';
import { datasetEntry, PinnedFile } from './registry';

export interface DownloadOptions extends PlaceOptions {
  /** Base URL that replaces each file's own folder (a mirror holding the same file names). */
  mirror?: string;
  fetch?: typeof fetch;
  onFile?: (file: string, state: 'present' | 'downloaded') => void;
}

/** The files a download of the dataset fetches: name in the cache folder, URL and pin. */
export function downloadPlan(name: string): Array<{ file: string; url: string; pin: PinnedFile }> {
  const entry = datasetEntry(name);
  const s = entry.source;
  switch (s.format) {
    case 'idx':
      return [s.trainImages, s.trainLabels, s.testImages, s.testLabels].map((f) => ({
        file: `${f.name}.gz`,
        url: f.gz[0].origin,
        pin: f.gz[0],
      }));
    case 'cifar':
      return [{ file: s.archive.name, url: s.archive.origin, pin: s.archive }];
    case 'mat':
      return [s.train, s.test].map((f) => ({ file: f.name, url: f.origin, pin: f }));
    case 'synthetic':
      throw new DatasetError('bad-spec', `${entry.name} is generated; there is nothing to download`);
  }
}

export async function downloadDataset(
  name: string,
  opts: DownloadOptions = {},
): Promise<{ dir: string; files: string[] }> {
  const entry = datasetEntry(name);
  const plan = downloadPlan(name);
  const dir = cacheDir(entry.name, opts);
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const { file, url, pin } of plan) {
    const dest = join(dir, file);
    const from = opts.mirror ? `${opts.mirror.replace(/\/+$/, '')}/${basename(new URL(url).pathname)}` : url;
    if (await matchesOnDisk(dest, pin)) {
      opts.onFile?.(dest, 'present');
    } else {
      await downloadFile(from, dest, pin, opts.fetch ?? fetch);
      opts.onFile?.(dest, 'downloaded');
    }
    files.push(dest);
  }
  return { dir, files };
}

/** Streams `url` to `dest` through `dest.partial`, keeping it only if size and sha256 match. */
export async function downloadFile(
  url: string,
  dest: string,
  pin: { size: number; sha256: string },
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const partial = `${dest}.partial`;
  const fail = async (why: string): Promise<never> => {
    await rm(partial, { force: true });
    throw new DatasetError('download', `download of ${url} failed: ${why}`);
  };
  let res: Response;
  try {
    res = await fetchImpl(url);
  } catch (e) {
    return fail(`${(e as Error).message}; check the network, or put the file in ${dest} by hand`);
  }
  if (!res.ok || !res.body) return fail(`HTTP ${res.status}`);
  const hash = createHash('sha256');
  const out = await open(partial, 'w');
  let size = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > pin.size) break;
      hash.update(chunk);
      await out.write(chunk);
    }
  } finally {
    await out.close();
  }
  if (size !== pin.size)
    return fail(`received ${size > pin.size ? 'more than ' : ''}${size} bytes, expected ${pin.size}`);
  const digest = hash.digest('hex');
  if (digest !== pin.sha256) return fail(`sha256 ${digest}, expected ${pin.sha256}; the file was not kept`);
  await rename(partial, dest);
}

/** Whether the file at `path` has exactly this size and sha256 (false when it is absent). */
export async function matchesOnDisk(path: string, pin: { size: number; sha256: string }): Promise<boolean> {
  const s = await stat(path).catch(() => null);
  if (!s || s.size !== pin.size) return false;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex') === pin.sha256;
}
