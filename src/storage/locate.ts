/**
 * Turning the URIs of a TrainSpec into (store, key) pairs. Spec URIs name folders
 * (checkpoints, the run folder) or single files (a logits file, a lineage file); a file URI
 * is opened as its parent folder's store plus the file name.
 */
import { formatUri, parseUri } from './uri';
import { openStore } from './open';
import { ArtifactStore } from './store';

export type StoreOpener = (uri: string) => ArtifactStore;

export interface Located {
  store: ArtifactStore;
  key: string;
}

export function locateFile(uri: string, open: StoreOpener = openStore): Located {
  const loc = parseUri(uri);
  if (loc.kind === 'file') {
    const cut = loc.path.lastIndexOf('/');
    return {
      store: open(formatUri({ kind: 'file', path: loc.path.slice(0, cut) || '/' })),
      key: loc.path.slice(cut + 1),
    };
  }
  const cut = loc.prefix.lastIndexOf('/');
  return {
    store: open(formatUri({ ...loc, prefix: cut < 0 ? '' : loc.prefix.slice(0, cut) })),
    key: loc.prefix.slice(cut + 1),
  };
}
