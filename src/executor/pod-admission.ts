/**
 * A pod the API server's admission refused at creation, on a shared cluster:
 * - a ResourceQuota the namespace has used up (403 "exceeded quota: <name>, requested: …, used:
 *   …, limited: …") frees as other pods end: the run waits, with capped backoff, and creates
 *   its pod then; `quotaWaitTimeout` ends the wait (null: wait as long as it takes);
 * - a LimitRange that forbids what the pod asks ("maximum cpu usage per Container is 1, but
 *   limit is 2"), or a quota that requires a field the template lacks ("failed quota: <name>:
 *   must specify limits.cpu"), refuses the same pod every time: a clear, permanent failure.
 */
import { ApiException, type V1Pod } from '@kubernetes/client-node';
import { ExecutorError } from './executor';
import { apiMessage } from './pod-access';

export type AdmissionRefusal = { kind: 'quota' | 'limitRange' | 'quotaRule'; message: string };

/** What refused the pod, from the error of its create call; null for any other error. */
export function admissionRefusal(e: unknown): AdmissionRefusal | null {
  const api = e instanceof ExecutorError ? e.cause : e;
  if (!(api instanceof ApiException) || (api.code !== 403 && api.code !== 422)) return null;
  const message = apiMessage(api);
  if (/\bexceeded quota: /.test(message)) return { kind: 'quota', message };
  if (/\bfailed quota: /.test(message)) return { kind: 'quotaRule', message };
  if (
    /\b(maximum|minimum) \S+ usage per (Container|Pod)\b|limit to request ratio per (Container|Pod)\b/.test(
      message,
    )
  ) {
    return { kind: 'limitRange', message };
  }
  return null;
}

export interface QuotaWait {
  runId: string;
  namespace: string;
  /** Seconds a run waits for its namespace's quota; null: as long as it takes. */
  timeoutSeconds: number | null;
  /** The longest pause between two tries (ms); the first is 2 s or this, whichever is less. */
  maxBackoffMs: number;
  now: () => number;
  signal?: AbortSignal;
  /** Why the run waits (`status` shows it); null once the pod is created after a wait. */
  onWaiting?: (why: string | null) => void;
  log?: (line: string) => void;
}

/**
 * `create()` until admission lets the pod in: a quota refusal waits (see above), a LimitRange
 * or quota rule fails permanently naming it, anything else is rethrown as it came. An abort of
 * `signal` while waiting rejects with ExecutorError('cancelled'): no pod exists yet.
 */
export async function createWithinQuota(create: () => Promise<V1Pod>, w: QuotaWait): Promise<V1Pod> {
  const since = w.now();
  let pause = Math.min(2000, w.maxBackoffMs);
  let waited = false;
  for (;;) {
    try {
      const pod = await create();
      if (waited) w.onWaiting?.(null);
      return pod;
    } catch (e) {
      const refusal = admissionRefusal(e);
      if (!refusal) throw e;
      if (refusal.kind === 'limitRange') {
        throw new ExecutorError(
          'bad_input',
          `run ${w.runId}: a LimitRange of namespace ${w.namespace} forbids the trainer pod's resources ` +
            `(change executor.pod.resources or the LimitRange): ${refusal.message}`,
          { cause: e },
        );
      }
      if (refusal.kind === 'quotaRule') {
        throw new ExecutorError(
          'bad_input',
          `run ${w.runId}: a ResourceQuota of namespace ${w.namespace} requires what the pod template ` +
            `does not set (executor.pod.resources): ${refusal.message}`,
          { cause: e },
        );
      }
      const seconds = (w.now() - since) / 1000;
      if (w.timeoutSeconds !== null && seconds >= w.timeoutSeconds) {
        throw new ExecutorError(
          'bad_input',
          `run ${w.runId}: the ResourceQuota of namespace ${w.namespace} kept refusing the trainer pod ` +
            `for more than ${w.timeoutSeconds} s (executor.quotaWaitTimeout): ${refusal.message}`,
          { cause: e },
        );
      }
      if (!waited) w.log?.(`${w.runId}: waiting for quota: ${refusal.message}`);
      waited = true;
      w.onWaiting?.(`waiting for quota: ${refusal.message}`);
      await pauseFor(pause, w);
      pause = Math.min(pause * 2, w.maxBackoffMs);
    }
  }
}

function pauseFor(ms: number, w: QuotaWait): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => {
      clearTimeout(timer);
      reject(
        new ExecutorError('cancelled', `run ${w.runId} cancelled while waiting for quota; no pod created`),
      );
    };
    const timer = setTimeout(() => {
      w.signal?.removeEventListener('abort', cancelled);
      resolve();
    }, ms);
    if (w.signal?.aborted) cancelled();
    else w.signal?.addEventListener('abort', cancelled, { once: true });
  });
}
