/**
 * The activity stubs every workflow uses, with their timeouts and retry policies from the
 * one config module. Types only from activities/: nothing with I/O enters the sandbox.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../src/contracts/activities';
import { ACTIVITY_OPTIONS } from '../src/temporal/config';

export const { mutate } = proxyActivities<Activities>(ACTIVITY_OPTIONS.mutate);
export const { train } = proxyActivities<Activities>(ACTIVITY_OPTIONS.train);
/** train whose OOM kills come back to the workflow (which retries them with a smaller batch). */
export const { train: trainOomToWorkflow } = proxyActivities<Activities>(ACTIVITY_OPTIONS.trainOomToWorkflow);
export const { evaluate } = proxyActivities<Activities>(ACTIVITY_OPTIONS.evaluate);
export const { testFinalists } = proxyActivities<Activities>(ACTIVITY_OPTIONS.testFinalists);
export const { report, recordLineage } = proxyActivities<Activities>(ACTIVITY_OPTIONS.bookkeeping);
