/**
 * The backend that backend-agnostic tests (morph preservation, training) run on: cpu, the
 * reference, unless NETGROW_BACKEND names another — scripts/test.sh runs those files a second
 * time with NETGROW_BACKEND=tensorflow when the native backend is built, and the training files
 * a third time with NETGROW_BACKEND=graph (their runs step on the graph engine, tfjs runs on
 * tensorflow) when the engine is built too. Tolerances stay the ones each test states.
 */
import { initBackend, type TrainBackendName } from '../../src/backend';
import { tf } from '../../src/backend/tf';

export const TEST_BACKEND = (process.env.NETGROW_BACKEND || 'cpu') as TrainBackendName;

export async function useTestBackend(): Promise<void> {
  if (TEST_BACKEND === 'cpu') await tf.setBackend('cpu');
  else await initBackend({ prefer: TEST_BACKEND, log: () => undefined });
}
