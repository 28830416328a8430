/**
 * Where a dataset may be on this machine, in the order netgrow looks: the spec's `dataDir`
 * (`--data-dir`), `$NETGROW_DATA`, the download cache (`$NETGROW_DATASET_CACHE`, else under
 * `$XDG_CACHE_HOME` or `~/.cache`: where downloads and staged copies go), then the folders an
 * OS package installs into. `dataDir` may be the dataset's own folder or a root holding `<name>/`; the other roots
 * hold one folder per dataset, so MNIST and Fashion-MNIST (same file names) never mix.
 */
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { DatasetEntry } from './registry';

export interface PlaceOptions {
  /** The spec's `dataDir` / `--data-dir`. */
  dataDir?: string;
  /** Look only in `<dataDir>/<name>`, not in `dataDir` itself (for a second dataset, e.g. transfer data). */
  dataDirIsRoot?: boolean;
  /** Environment to read NETGROW_DATA, NETGROW_DATASET_CACHE, XDG_CACHE_HOME and HOME from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Root of the download cache; default `$NETGROW_DATASET_CACHE` (a trainer pod's node-local
   * cache volume), else `$XDG_CACHE_HOME/netgrow/datasets` or `~/.cache/netgrow/datasets`.
   */
  cacheRoot?: string;
  /** Look in the OS package folders (/usr/share/datasets/...); default true. */
  system?: boolean;
}

export interface Place {
  dir: string;
  /** Why netgrow looks there, for messages: `--data-dir`, `NETGROW_DATA`, `cache`, `system`. */
  why: string;
}

export function cacheRoot(opts: PlaceOptions = {}): string {
  if (opts.cacheRoot) return resolve(opts.cacheRoot);
  const env = opts.env ?? process.env;
  if (env.NETGROW_DATASET_CACHE) return resolve(env.NETGROW_DATASET_CACHE);
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'netgrow', 'datasets');
}

/** The folder a download of `name` goes to. */
export const cacheDir = (name: string, opts: PlaceOptions = {}): string => join(cacheRoot(opts), name);

export function placesFor(entry: DatasetEntry, opts: PlaceOptions = {}): Place[] {
  const env = opts.env ?? process.env;
  const places: Place[] = [];
  if (opts.dataDir) {
    const dir = resolve(opts.dataDir);
    places.push({ dir: join(dir, entry.name), why: '--data-dir' });
    if (!opts.dataDirIsRoot) places.push({ dir, why: '--data-dir' });
  }
  for (const root of (env.NETGROW_DATA ?? '').split(delimiter).filter(Boolean)) {
    places.push({ dir: join(resolve(root), entry.name), why: 'NETGROW_DATA' });
  }
  places.push({ dir: cacheDir(entry.name, opts), why: 'cache' });
  if (opts.system !== false) for (const dir of entry.systemDirs) places.push({ dir, why: 'system' });
  return places;
}

/** The places as a message lists them; says so when NETGROW_DATA is unset. */
export function describePlaces(places: Place[], env: NodeJS.ProcessEnv = process.env): string {
  const listed = places.map((p) => `${p.dir} (${p.why})`);
  if (!env.NETGROW_DATA)
    listed.splice(
      places.findIndex((p) => p.why === 'cache'),
      0,
      'NETGROW_DATA (not set)',
    );
  return listed.join(', ');
}
