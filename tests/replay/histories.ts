/**
 * The committed workflow histories, one folder per released workflow version
 * (`tests/replay/v1/`, `v2/`, …). Every version's histories stay and are replayed against the
 * current code: a search started by that release may still be running.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';

export interface CommittedHistory {
  version: string;
  /** `v1/search-ga.run1.json` */
  name: string;
  path: string;
}

export function committedHistories(): CommittedHistory[] {
  const versions = readdirSync(__dirname, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^v\d+$/.test(d.name))
    .map((d) => d.name)
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  return versions.flatMap((version) =>
    readdirSync(join(__dirname, version))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => ({ version, name: `${version}/${f}`, path: join(__dirname, version, f) })),
  );
}

export function loadHistory(h: CommittedHistory): temporal.api.history.v1.IHistory {
  return historyFromJSON(JSON.parse(readFileSync(h.path, 'utf8')));
}
