/**
 * The trainer's latest progress in its run folder, `progress.json`: what a pod executor reports
 * between a pod's start and end without reading the pod's log through the API server (a search
 * of many pods would otherwise poll as many logs). Written at most every `minIntervalMs` and at
 * every epoch's end, one write at a time; a write that fails is dropped (progress is advisory).
 */
import { TrainProgressFile, type TrainProgress } from '../contracts/executor';
import type { ArtifactStore } from '../storage/store';

export const PROGRESS_FILE = 'progress.json';

export interface ProgressWriter {
  offer(p: TrainProgress & { epochDone?: boolean }): void;
  /** Resolves once the writes offered so far are done. */
  flush(): Promise<void>;
}

export function progressWriter(
  store: ArtifactStore,
  { minIntervalMs = 5000, now = Date.now }: { minIntervalMs?: number; now?: () => number } = {},
): ProgressWriter {
  let last = -Infinity;
  let writing: Promise<void> = Promise.resolve();
  return {
    offer({ epochDone, ...p }) {
      if (!epochDone && now() - last < minIntervalMs) return;
      last = now();
      const body = JSON.stringify(p);
      writing = writing.then(() => store.put(PROGRESS_FILE, body)).catch(() => undefined);
    },
    flush: () => writing,
  };
}

/** The run's last progress, or null when none was written yet (or it does not parse). */
export async function readProgress(store: ArtifactStore): Promise<TrainProgress | null> {
  try {
    const parsed = TrainProgressFile.safeParse(JSON.parse(await store.getText(PROGRESS_FILE)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
