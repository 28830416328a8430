/**
 * What `netgrow datasets --json` prints: every registry dataset, whether it is on this machine,
 * where, and the command that installs it when it is not. Only looks for files; loading checks
 * their contents.
 */
import { tryLocate } from './locate';
import { PlaceOptions } from './places';
import { DATASET_NAMES, datasetEntry, Shape3 } from './registry';

export interface DatasetInfo {
  name: string;
  inputShape: Shape3;
  classes: number;
  available: boolean;
  /** The folder (or archive) it would be read from; `generated` for synthetic data. */
  where: string | null;
  /** The command that installs it, when it is not available. */
  fix: string | null;
}

export async function describeDatasets(opts: PlaceOptions = {}): Promise<DatasetInfo[]> {
  return Promise.resolve(
    DATASET_NAMES.map((name) => {
      const entry = datasetEntry(name);
      const base = { name: entry.name, inputShape: entry.inputShape, classes: entry.classNames.length };
      if (entry.source.format === 'synthetic')
        return { ...base, name, available: true, where: 'generated', fix: null };
      const located = tryLocate(entry, opts);
      if (!located) return { ...base, available: false, where: null, fix: entry.fix };
      const f = located.found;
      const where = f.format === 'cifar' && f.files.kind === 'archive' ? f.files.path : located.place.dir;
      return { ...base, available: true, where, fix: null };
    }),
  );
}
