/**
 * The backend that backend-agnostic tests (morph preservation, training) run on: cpu, the
 * reference, unless NETGROW_BACKEND names another — scripts/test.sh runs those files a second
 * time with NETGROW_BACKEND=tensorflow when the native backend is built. Tolerances stay the
 * ones each test states.
 */
import { initBackend, type BackendName } from '../../src/backend';
import { tf } from '../../src/backend/tf';

export const TEST_BACKEND = (process.env.NETGROW_BACKEND || 'cpu') as BackendName;

export async function useTestBackend(): Promise<void> {
  if (TEST_BACKEND === 'cpu') await tf.setBackend('cpu');
  else await initBackend({ prefer: TEST_BACKEND, log: () => undefined });
}
