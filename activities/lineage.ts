/**
 * recordLineage: appends events to the experiment's lineage.jsonl (the workflow is the only
 * writer, one call at a time). Idempotent: a retry after a crash mid-call — some or all of
 * the events already appended — appends only the ones missing, so the story is told once.
 */
import type { RecordLineageInput } from '../src/contracts/activities';
import { LogError } from '../src/log/errors';
import { LineageEvent } from '../src/contracts/lineage';
import { appendLineage, readLineage } from '../src/log/lineage';
import { refreshExperimentViews } from '../src/report/refresh';
import { ActivityDeps } from './context';
import { failingClearly } from './failures';

const KEY = 'lineage.jsonl';
const ENDED = new Set(['completed', 'diverged', 'stopped', 'failed']);

export function recordLineageActivity(deps: ActivityDeps) {
  return (input: RecordLineageInput): Promise<void> =>
    failingClearly('recordLineage', async () => {
      const store = deps.openStore(input.experimentUri);
      const wanted = input.events.map((e) => LineageEvent.parse(e));
      const done = await alreadyAppended(store, wanted);
      for (const event of wanted.slice(done)) await appendLineage(store, KEY, event);
      // A candidate's training ended: the report and HParams follow it, not only each generation.
      if (wanted.some((e) => e.type === 'training' && ENDED.has(e.status))) {
        await refreshExperimentViews(store, '').catch((e: unknown) =>
          deps.log?.(`report refresh after training failed (the next one retries): ${(e as Error).message}`),
        );
      }
    });
}

/**
 * How many of `events`, from the first, are the file's last lines already. The workflow is the
 * single writer and awaits each call, so an earlier attempt of this call can only have left a
 * prefix of these events at the very end of the file.
 */
async function alreadyAppended(
  store: ReturnType<ActivityDeps['openStore']>,
  events: LineageEvent[],
): Promise<number> {
  if (events.length === 0 || !(await store.exists(KEY))) return 0;
  let stored: string[];
  try {
    stored = (await readLineage(store, KEY)).events.map((e) => JSON.stringify(e));
  } catch (e) {
    if (e instanceof LogError) return 0; // damage is the report's to note; appending goes on
    throw e;
  }
  const wanted = events.map((e) => JSON.stringify(e));
  for (let k = Math.min(wanted.length, stored.length); k > 0; k--) {
    const tail = stored.slice(stored.length - k);
    if (tail.every((line, i) => line === wanted[i])) return k;
  }
  return 0;
}
