/**
 * What a trainer pod's state means for the run: still going, finished (read result.json), or
 * failed — retryable (the infrastructure lost it: OOM kill, eviction, node loss, preemption)
 * or not (the same pod would fail again: an image that cannot be pulled, a pod that cannot
 * be scheduled, a trainer that rejects its spec). Pure: a pod object, the clock and what the watcher saw before in.
 *
 * Exit codes: netgrow's own (README: 0 done, 2 bad spec, 3 diverged, 4 infrastructure,
 * 5 out of accelerator memory, 130 stopped) first; other codes as Kubeflow's training operator treats them (1, 2, 126,
 * 127, 128, 139 permanent; 130, 137, 143 retryable); anything else retryable, as the process
 * executor treats an unexpected exit.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { TRAIN_EXIT } from '../contracts/train';
import { trainerContainerStatus } from './pod-spec';

export interface ClassifyOptions {
  now: number;
  /** An image still not pulled this long after the first pull error fails the run. */
  imagePullGraceSeconds: number;
  /** A pod unschedulable this long fails the run; null = wait as long as it takes. */
  unschedulableTimeoutSeconds: number | null;
  /** A running pod not Ready this long (its node lost) fails the run, retryably; null = wait. */
  lostNodeTimeoutSeconds?: number | null;
  /**
   * When the watcher first saw each waiting reason (a waiting state carries no timestamp of
   * its own); the caller keeps one map per pod, so a restarted worker starts the clock again.
   */
  firstSeen: Map<string, number>;
}

export type PodVerdict =
  | { state: 'pending'; why: string }
  | { state: 'running' }
  /** result.json holds the outcome: completed, or diverged (exit 3, the workflow's retry). */
  | { state: 'finished'; exitCode: number }
  | { state: 'failed'; retryable: boolean; reason: string; outOfMemory?: true; nodeLost?: true };

const PERMANENT_EXIT = new Set([1, 126, 127, 128, 139]);
const PULL_ERRORS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_ERRORS = new Set(['CreateContainerConfigError', 'CreateContainerError']);

export function classifyPod(pod: V1Pod, o: ClassifyOptions): PodVerdict {
  const status = pod.status ?? {};
  const trainer = trainerContainerStatus(pod);
  const term = trainer?.state?.terminated;
  const disruption = status.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  if (status.phase === 'Succeeded') return { state: 'finished', exitCode: 0 };
  if (status.phase === 'Failed') {
    // First: the deadline is why the kubelet stopped it, whatever else the status carries.
    if (status.reason === 'DeadlineExceeded') {
      return permanent(
        `ran past its deadline, activeDeadlineSeconds ${pod.spec?.activeDeadlineSeconds} s ` +
          '(executor.pod.activeDeadlineSeconds; null for none): stopped by Kubernetes, not retried',
      );
    }
    if (status.reason === 'Evicted') return retryable(`evicted: ${status.message ?? 'node pressure'}`);
    if (disruption) return retryable(`disrupted (${disruption.reason}): ${disruption.message ?? ''}`.trim());
    if (term?.reason === 'OOMKilled') {
      return {
        state: 'failed',
        retryable: true,
        reason: withMessage('OOMKilled: the trainer ran out of memory', term.message),
        outOfMemory: true,
      };
    }
    if (term) return exitVerdict(term.exitCode, term.reason, term.message);
    return retryable(`pod failed: ${status.reason ?? 'no reason given'} ${status.message ?? ''}`.trim());
  }
  const waiting = trainer?.state?.waiting;
  if (waiting?.reason && (PULL_ERRORS.has(waiting.reason) || CONFIG_ERRORS.has(waiting.reason))) {
    const since = firstSeen(o.firstSeen, waiting.reason, o.now);
    const why = `${waiting.reason}: ${waiting.message ?? ''}`.trim();
    if (waiting.reason === 'InvalidImageName' || (o.now - since) / 1000 >= o.imagePullGraceSeconds) {
      return permanent(why);
    }
    return { state: 'pending', why };
  }
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    const since = scheduled.lastTransitionTime ? new Date(scheduled.lastTransitionTime).getTime() : o.now;
    const why = `unschedulable: ${scheduled.message ?? ''}`.trim();
    if (o.unschedulableTimeoutSeconds !== null && (o.now - since) / 1000 >= o.unschedulableTimeoutSeconds) {
      return permanent(`${why} (for more than ${o.unschedulableTimeoutSeconds} s)`);
    }
    return { state: 'pending', why };
  }
  if (status.phase === 'Running')
    return evictedFromLostNode(pod, disruption) ?? lostNode(pod, o) ?? { state: 'running' };
  return { state: 'pending', why: status.phase ?? 'Pending' };
}

/**
 * A running pod the taint manager is deleting from a node that stopped reporting (NoExecute
 * `unreachable`/`not-ready` past the pod's toleration): no kubelet will finish that deletion,
 * so the API keeps the pod Terminating while its trainer may still run on unseen. The attempt
 * ends here, as a lost node's (the caller looks in storage for the run's result first).
 */
function evictedFromLostNode(
  pod: V1Pod,
  disruption: { reason?: string; message?: string } | undefined,
): PodVerdict | null {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (!disruption || !pod.metadata?.deletionTimestamp || ready?.status === 'True') return null;
  return {
    state: 'failed',
    retryable: true,
    nodeLost: true,
    reason:
      `evicted from node ${pod.spec?.nodeName ?? '?'}, which stopped reporting ` +
      `(${disruption.reason}: ${disruption.message ?? ''})`.trim(),
  };
}

/**
 * A running pod whose Ready condition went False: the trainer has no readiness probe, so that
 * is the node lifecycle controller's mark on the pods of a node that stopped reporting. Even
 * then it evicts nothing while every node of the zone is down ("master disruption mode"): the
 * API keeps the pod Running for as long as the node stays away, so the lost-node timeout ends
 * the wait, counted from the condition's transition.
 */
function lostNode(pod: V1Pod, o: ClassifyOptions): PodVerdict | null {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'True' || o.lostNodeTimeoutSeconds == null) return null;
  const since = ready.lastTransitionTime ? new Date(ready.lastTransitionTime).getTime() : o.now;
  if ((o.now - since) / 1000 < o.lostNodeTimeoutSeconds) return null;
  return {
    state: 'failed',
    retryable: true,
    nodeLost: true,
    reason:
      `node ${pod.spec?.nodeName ?? '?'} lost: the pod has not been Ready for more than ` +
      `${o.lostNodeTimeoutSeconds} s (lostNodeTimeout), and its run left no result in storage`,
  };
}

/**
 * How a trainer's exit code reads, with the container's termination message: what the runtime
 * said when the container could not start (`exec: "train": executable file not found`), or the
 * trainer's last lines.
 */
export function exitVerdict(code: number, reason?: string, message?: string): PodVerdict {
  if (code === TRAIN_EXIT.done || code === TRAIN_EXIT.diverged) return { state: 'finished', exitCode: code };
  const verdict = exitCodeVerdict(code, reason);
  return verdict.state === 'failed' ? { ...verdict, reason: withMessage(verdict.reason, message) } : verdict;
}

function exitCodeVerdict(code: number, reason?: string): PodVerdict {
  const why = `exited with code ${code}${reason && reason !== 'Error' ? ` (${reason})` : ''}`;
  if (code === TRAIN_EXIT.badInput) return permanent(`${why}: the trainer rejected its spec or input`);
  if (code === TRAIN_EXIT.infrastructure) return retryable(`${why}: infrastructure error (storage, backend)`);
  if (code === TRAIN_EXIT.outOfMemory) {
    return {
      state: 'failed',
      retryable: true,
      reason: `${why}: out of accelerator memory`,
      outOfMemory: true,
    };
  }
  if (code === TRAIN_EXIT.interrupted) return retryable(`${why}: stopped by a signal, checkpointed`);
  if (code === 137) return retryable(`${why}: killed (SIGKILL)`);
  if (code === 143) return retryable(`${why}: terminated (SIGTERM)`);
  if (PERMANENT_EXIT.has(code)) return permanent(why);
  return retryable(why);
}

/** `why: message`, the message on one line and cut at 500 characters (a log tail follows anyway). */
function withMessage(why: string, message: string | undefined): string {
  const text = message?.trim().replace(/\s*\n\s*/g, ' | ');
  if (!text) return why;
  return `${why}: ${text.length > 500 ? `${text.slice(0, 500)}…` : text}`;
}

const retryable = (reason: string): PodVerdict => ({ state: 'failed', retryable: true, reason });
const permanent = (reason: string): PodVerdict => ({ state: 'failed', retryable: false, reason });

function firstSeen(seen: Map<string, number>, what: string, now: number): number {
  const t = seen.get(what);
  if (t !== undefined) return t;
  seen.set(what, now);
  return now;
}
