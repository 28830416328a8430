/**
 * A workflow interceptor module for tests that wait for Temporal to notice a lost worker: every
 * activity that has a heartbeat timeout gets at most TEST_HEARTBEAT_TIMEOUT, instead of the
 * minute of src/temporal/config.ts, so that a SIGKILLed worker's training is retried ~20 s
 * after its last heartbeat instead of ~60 s. Workers heartbeat training every 5 s
 * (activities/train.ts), so 20 s leaves three beats of slack on a busy machine.
 *
 * A test opts in with `shortHeartbeats()`: it names this module in NETGROW_WORKFLOW_INTERCEPTORS
 * (worker/index.ts bundles it with the workflow code), for its in-process workers and for the
 * `netgrow` processes it starts, which inherit the environment.
 */
import { msOptionalToNumber } from '@temporalio/common/lib/time';
import type {
  ActivityInput,
  Next,
  WorkflowInterceptors,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

export const TEST_HEARTBEAT_TIMEOUT_MS = 20_000;

/** Sets NETGROW_WORKFLOW_INTERCEPTORS in this process's environment to this module. */
export function shortHeartbeats(): void {
  process.env.NETGROW_WORKFLOW_INTERCEPTORS = __filename;
}

class ShortHeartbeats implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    const ms = msOptionalToNumber(input.options.heartbeatTimeout);
    if (ms === undefined || ms <= TEST_HEARTBEAT_TIMEOUT_MS) return next(input);
    return next({ ...input, options: { ...input.options, heartbeatTimeout: TEST_HEARTBEAT_TIMEOUT_MS } });
  }
}

export function interceptors(): WorkflowInterceptors {
  return { outbound: [new ShortHeartbeats()] };
}
