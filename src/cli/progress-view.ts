/**
 * Showing an experiment's progress. On a terminal: a block redrawn in place, a line per
 * running candidate with a bar over its epochs, under a scrolling log of finished candidates.
 * Elsewhere (a log file, CI, a pipe): plain lines, one per thing that happened — a candidate
 * started a step, finished an epoch, was retried, finished.
 */
import type { CandidateProgress, ExperimentProgress } from '../experiment/progress';
import type { LeaderboardEntry } from '../contracts/search';
import { describeEntry } from '../search/leaderboard';

export interface ProgressSink {
  write(text: string): void;
  /** Terminal width for the live block; absent = not a terminal (plain lines). */
  columns?: number;
}

export class ProgressView {
  private readonly seen = new Set<string>();
  private readonly lastState = new Map<string, string>();
  private generation = -1;
  private blockLines = 0;
  private readonly started = Date.now();

  constructor(
    private readonly sink: ProgressSink,
    private readonly experimentId: string,
  ) {}

  get live(): boolean {
    return this.sink.columns !== undefined;
  }

  update(p: ExperimentProgress): void {
    const lines = [...this.generationLines(p), ...this.finishedLines(p.leaderboard)];
    if (!this.live) lines.push(...this.stepLines(p.running));
    this.clearBlock();
    for (const line of lines) this.sink.write(`${line}\n`);
    if (this.live) this.drawBlock(p);
  }

  /** A line from the workers (a resumed run, a retry): above the block; the block returns next update. */
  note(line: string): void {
    this.clearBlock();
    this.sink.write(`${line}\n`);
  }

  /** Removes the live block (before the final summary). */
  close(): void {
    this.clearBlock();
  }

  private generationLines(p: ExperimentProgress): string[] {
    const s = p.status;
    // The last run of a search counts one past the last generation while it writes the report.
    if (!s || s.generation === this.generation || s.generation > s.generations) return [];
    this.generation = s.generation;
    return [`generation ${s.generation} of ${s.generations} (${s.candidates} candidates started so far)`];
  }

  private finishedLines(board: readonly LeaderboardEntry[]): string[] {
    const fresh = board.filter((e) => !this.seen.has(e.candidateId));
    for (const e of fresh) this.seen.add(e.candidateId);
    return fresh
      .sort((a, b) => (a.candidateId < b.candidateId ? -1 : 1))
      .map((e) => `${e.candidateId} ${describeEntry(e)}`);
  }

  /** Plain mode: a line whenever a candidate's step, attempt or epoch changes. */
  private stepLines(running: readonly CandidateProgress[]): string[] {
    const lines: string[] = [];
    for (const c of running) {
      const hb = c.heartbeat;
      const key = `${c.activity}|${c.attempt}|${c.activity === 'train' ? `${hb?.epoch ?? 0}|${hb?.waiting ?? ''}` : ''}`;
      if (this.lastState.get(c.candidateId) === key || !c.activity) continue;
      this.lastState.set(c.candidateId, key);
      const retry =
        c.attempt > 1 ? ` (attempt ${c.attempt}${c.lastFailure ? `: ${c.lastFailure}` : ''})` : '';
      if (c.activity === 'train' && hb?.waiting) {
        lines.push(`${c.candidateId} train, waiting: ${hb.waiting}${retry}`);
      } else if (c.activity === 'train' && hb && hb.epoch > 0) {
        lines.push(
          `${c.candidateId} train epoch ${hb.epoch}${hb.epochs ? `/${hb.epochs}` : ''}${metrics(hb.metrics)}${retry}`,
        );
      } else {
        lines.push(`${c.candidateId} ${c.activity}${retry}`);
      }
    }
    return lines;
  }

  private drawBlock(p: ExperimentProgress): void {
    const width = Math.max(40, (this.sink.columns || 80) - 1);
    const s = p.status;
    const head = [
      this.experimentId,
      s ? `generation ${Math.min(s.generation, s.generations)}/${s.generations}` : null,
      s ? `${s.candidates} started` : `${p.leaderboard.length} done`,
      s?.best?.valAcc != null ? `best ${s.best.candidateId} ${s.best.valAcc.toFixed(4)}` : null,
      s?.phase && s.phase !== 'running' ? s.phase : null,
      clock((Date.now() - this.started) / 1000),
    ].filter((x) => x !== null);
    const lines = [head.join(' · '), ...p.running.map((c) => `  ${candidateLine(c, width - 2)}`)];
    const text = lines.map((l) => (l.length > width ? l.slice(0, width - 1) + '…' : l));
    this.sink.write(text.join('\n') + '\n');
    this.blockLines = text.length;
  }

  private clearBlock(): void {
    if (this.blockLines === 0) return;
    // Up to the block's first line, then erase to the end of the screen.
    this.sink.write(`\x1b[${this.blockLines}F\x1b[J`);
    this.blockLines = 0;
  }
}

function candidateLine(c: CandidateProgress, width: number): string {
  const retry = c.attempt > 1 ? ` (attempt ${c.attempt})` : '';
  const name = c.candidateId.padEnd(8);
  if (c.activity === 'train' && c.heartbeat?.waiting)
    return `${name} waiting: ${c.heartbeat.waiting}${retry}`;
  if (c.activity !== 'train' || !c.heartbeat || !c.heartbeat.stepsPerEpoch) {
    return `${name} ${c.activity ?? 'waiting'}${retry}`;
  }
  const hb = c.heartbeat;
  const epochs = hb.epochs ?? hb.epoch;
  const perEpoch = hb.stepsPerEpoch ?? 1;
  const done = Math.min(1, hb.step / Math.max(1, perEpoch * epochs));
  const stats = `epoch ${hb.epoch}/${epochs} ${Math.round(done * 100)}%${metrics(hb.metrics)}${retry}`;
  const barWidth = Math.max(10, Math.min(30, width - name.length - stats.length - 4));
  const filled = Math.round(done * barWidth);
  return `${name} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${stats}`;
}

function metrics(m: Record<string, number | null>): string {
  const parts = [
    m.loss != null ? `loss ${m.loss.toFixed(3)}` : null,
    m.acc != null ? `acc ${m.acc.toFixed(3)}` : null,
    m.valAcc != null ? `val_acc ${m.valAcc.toFixed(3)}` : null,
  ].filter((x) => x !== null);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

function clock(seconds: number): string {
  const s = Math.floor(seconds);
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}
