/**
 * Finding a test's own processes under /proc: the test sets NETGROW_TEST_MARKER to a value of
 * its own in the environment of what it starts, which every process below inherits (workers,
 * embedded servers, trainers). A name in a command line (`g0-c0-a1.json`, `netgrow.js train`)
 * is shared by every run and every test that trains the same candidate.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

export interface TestMarker {
  /** Environment entries to add to what the test starts. */
  env: { NETGROW_TEST_MARKER: string };
  /** Processes carrying the marker whose command line contains `text` ('' for all). */
  processes(text?: string): number[];
  /** Its `netgrow train` processes. */
  trainers(): number[];
}

export function testMarker(): TestMarker {
  const value = randomUUID();
  const needle = `NETGROW_TEST_MARKER=${value}\0`;
  const processes = (text = ''): number[] => {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) continue;
        if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(needle)) pids.push(Number(entry));
      } catch {
        // the process ended meanwhile, or is not ours to read
      }
    }
    return pids;
  };
  return {
    env: { NETGROW_TEST_MARKER: value },
    processes,
    trainers: () => processes('netgrow.js\0train\0'),
  };
}
