/**
 * `netgrow status <id> --watch`: the status block, re-read every interval until the experiment
 * ends or Ctrl-C. On a terminal the block is redrawn in place (cursor up, clear to the end of
 * the screen, lines cut to the width so that none wraps and the count stays right); anywhere
 * else each changed block is printed once as plain lines under a time stamp, so a log file
 * reads as a history.
 */
import type { ExperimentStatusReport } from '../experiment/status';

export interface WatchFrame {
  lines: string[];
  /** The experiment has ended: this frame is the last. */
  done: boolean;
}

export interface WatchOptions {
  intervalMs: number;
  /** Terminal width when drawing in place; undefined for plain lines. */
  columns: number | undefined;
  write: (text: string) => void;
  signal: AbortSignal;
  now?: () => Date;
}

const CSI = '\x1b[';

/** Running candidates whose current activity failed before: what failed, and which attempt this is. */
export function faultLines(s: ExperimentStatusReport): string[] {
  const retried = s.running.filter((p) => p.attempt > 1 || p.lastFailure !== null);
  const ended = s.leaderboard.filter((e) => e.status === 'diverged' || e.status === 'failed');
  if (retried.length === 0 && ended.length === 0) return [];
  return [
    'faults',
    ...retried.map(
      (p) =>
        `  ${p.candidateId.padEnd(8)} ${p.activity ?? 'step'} attempt ${p.attempt}` +
        (p.lastFailure ? ` after: ${p.lastFailure.split('\n')[0]}` : ''),
    ),
    ...ended.map((e) => `  ${e.candidateId.padEnd(8)} ${e.status}${e.error ? `: ${e.error}` : ''}`),
  ];
}

export async function watchLoop(read: () => Promise<WatchFrame>, opts: WatchOptions): Promise<void> {
  const now = opts.now ?? (() => new Date());
  let drawn = 0;
  let previous = '';
  for (;;) {
    const frame = await read();
    const stamp = now().toISOString().slice(11, 19);
    if (opts.columns !== undefined) {
      const width = Math.max(opts.columns - 1, 20);
      const lines = [
        `${stamp}  (every ${opts.intervalMs / 1000} s; Ctrl-C stops watching)`,
        ...frame.lines,
      ].map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
      const up = drawn > 0 ? `${CSI}${drawn}F${CSI}0J` : '';
      opts.write(`${up}${lines.join('\n')}\n`);
      drawn = lines.length;
    } else {
      const text = frame.lines.join('\n');
      if (text !== previous) opts.write(`--- ${stamp}\n${text}\n`);
      previous = text;
    }
    if (frame.done || opts.signal.aborted) return;
    await sleep(opts.intervalMs, opts.signal);
    if (opts.signal.aborted) return;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
