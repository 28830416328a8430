/**
 * The preservation check (verify.ts) in a worker thread, so that its tfjs forward passes never
 * block the event loop of the process that asks — a Temporal worker whose heartbeats, timers
 * and child processes must keep being served while a mutation is checked. Returns the check
 * with its cost in wall seconds (thread start-up, backend and both passes).
 */
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Graph, Weights } from '../graph';
import type { PreservationCheck } from './verify';

export interface PreservationRequest {
  parent: { graph: Graph; weights: Weights };
  child: { graph: Graph; weights: Weights };
  opts: { samples?: number; seed?: number };
}

export interface TimedPreservationCheck {
  check: PreservationCheck;
  seconds: number;
}

type Reply = { ok: true; check: PreservationCheck } | { ok: false; err: { name: string; message: string } };

export async function checkPreservationOffLoop(
  parent: PreservationRequest['parent'],
  child: PreservationRequest['child'],
  opts: PreservationRequest['opts'] = {},
): Promise<TimedPreservationCheck> {
  const started = performance.now();
  // The thread loads the sources through tsx, as bin/netgrow.js does (tfjs-core's gradient
  // registrations are ES modules only); from compiled output the same file ends in .js.
  const entry = join(__dirname, `verify-thread${extname(__filename)}`);
  const workerData: PreservationRequest = { parent, child, opts };
  // Resolved here: eval'd code resolves modules from the current folder, not from this package.
  const tsx = require.resolve('tsx/cjs');
  const worker = new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`, {
    eval: true,
    workerData,
  });
  try {
    const reply = await new Promise<Reply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`the preservation check's thread exited with code ${code}`)),
      );
    });
    if (!reply.ok) {
      const e = new Error(reply.err.message);
      e.name = reply.err.name;
      throw e;
    }
    return { check: reply.check, seconds: (performance.now() - started) / 1000 };
  } finally {
    await worker.terminate();
  }
}
