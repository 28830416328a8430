/**
 * The body of the worker thread that verify-off-loop.ts starts: it runs one preservation check
 * (tfjs forward passes of parent and child) and posts the result back. Loaded only inside that
 * thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend';
import { checkPreservation } from './verify';
import type { PreservationRequest } from './verify-off-loop';

async function main(): Promise<void> {
  const req = workerData as PreservationRequest;
  await initBackend({ log: () => undefined });
  const check = checkPreservation(req.parent, req.child, req.opts);
  parentPort?.postMessage({ ok: true, check });
}

main().catch((e: unknown) => {
  const err =
    e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
  parentPort?.postMessage({ ok: false, err });
});
