/**
 * The body of the worker thread that verify-off-loop.ts starts: it answers each preservation
 * check request (tfjs forward passes of parent and child) with its result. Loaded only inside
 * that thread; the backend starts once, on the first request.
 */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../backend';
import { checkPreservation } from './verify';
import type { PreservationRequest } from './verify-off-loop';

parentPort?.on('message', (req: PreservationRequest) => {
  initBackend({ log: () => undefined })
    .then(() => checkPreservation(req.parent, req.child, req.opts))
    .then(
      (check) => parentPort?.postMessage({ ok: true, check }),
      (e: unknown) => {
        const err =
          e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
        parentPort?.postMessage({ ok: false, err });
      },
    );
});
