/**
 * The preservation check (verify.ts) in a worker thread, so that its tfjs forward passes never
 * block the event loop of the process that asks — a Temporal worker whose heartbeats, timers
 * and child processes must keep being served while a mutation is checked. One thread per
 * process, started on the first check (tsx, tfjs and the backend load once) and kept, unref'd,
 * for the next; checks take turns on it. Returns the check with its cost in wall seconds.
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

let thread: Worker | null = null;
let turn: Promise<unknown> = Promise.resolve();

export function checkPreservationOffLoop(
  parent: PreservationRequest['parent'],
  child: PreservationRequest['child'],
  opts: PreservationRequest['opts'] = {},
): Promise<TimedPreservationCheck> {
  const mine = turn.then(async () => {
    const started = performance.now();
    const check = await ask({ parent, child, opts });
    return { check, seconds: (performance.now() - started) / 1000 };
  });
  turn = mine.catch(() => undefined);
  return mine;
}

function startThread(): Worker {
  // The thread loads the sources through tsx, as bin/netgrow.js does (tfjs-core's gradient
  // registrations are ES modules only); from compiled output the same file ends in .js. Both
  // are resolved here: eval'd code resolves modules from the current folder.
  const entry = join(__dirname, `verify-thread${extname(__filename)}`);
  const tsx = require.resolve('tsx/cjs');
  const w = new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`, { eval: true });
  w.unref();
  return w;
}

function ask(req: PreservationRequest): Promise<PreservationCheck> {
  const w = (thread ??= startThread());
  // Held only while a check is in flight: an idle thread never keeps the process alive.
  w.ref();
  return new Promise<PreservationCheck>((resolve, reject) => {
    const done = () => {
      w.off('message', onMessage).off('error', onError).off('exit', onExit);
      w.unref();
    };
    const lost = (e: Error) => {
      done();
      if (thread === w) thread = null; // the next check starts a fresh thread
      reject(e);
    };
    const onMessage = (reply: Reply) => {
      done();
      if (reply.ok) return resolve(reply.check);
      const e = new Error(reply.err.message);
      e.name = reply.err.name;
      reject(e);
    };
    const onError = (e: Error) => lost(e);
    const onExit = (code: number) =>
      lost(new Error(`the preservation check's thread exited with code ${code}`));
    w.on('message', onMessage).on('error', onError).on('exit', onExit);
    w.postMessage(req);
  });
}
