/**
 * What a trainer pod costs, from the times its status records: a container that ran is billed
 * from its start to its end; one that never started (a StartError, whose `startedAt` a real
 * kubelet reports as 1970-01-01, or leaves out) is billed nothing, not the 57 years since 1970.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1ContainerStateTerminated, V1Pod } from '@kubernetes/client-node';
import { podUsage } from '../../src/executor/pod-usage';
import { trainerStatus } from './container';

const NOW = Date.parse('2026-12-06T20:00:00Z');
const POD_START = '2026-12-06T19:58:00Z';

function pod(
  terminated: Partial<V1ContainerStateTerminated> | null,
  startTime: string | null = POD_START,
): V1Pod {
  return {
    metadata: { name: 'g0-c0-a1' },
    spec: { containers: [], nodeName: 'node-1' },
    status: {
      phase: terminated ? 'Failed' : 'Pending',
      startTime: startTime === null ? undefined : new Date(startTime),
      containerStatuses: [
        trainerStatus(
          terminated
            ? { terminated: { exitCode: 128, ...terminated } }
            : { waiting: { reason: 'ErrImagePull' } },
        ),
      ],
    },
  };
}

test('a container that ran: from its start to its finish, times its GPUs', () => {
  const usage = podUsage(
    pod({
      exitCode: 0,
      startedAt: new Date('2026-12-06T19:58:30Z'),
      finishedAt: new Date('2026-12-06T19:59:30Z'),
    }),
    2,
    NOW,
  );
  assert.deepEqual(usage, { pod: 'g0-c0-a1', node: 'node-1', gpus: 2, seconds: 60, gpuSeconds: 120 });
});

test('a container that never started (startedAt 1970-01-01, zero, or missing) costs nothing', () => {
  const finishedAt = new Date('2026-12-06T19:58:05Z');
  // What a kubelet reported for `exec: "train": executable file not found` (StartError, 128).
  const epoch = { reason: 'StartError', startedAt: new Date('1970-01-01T00:00:00Z'), finishedAt };
  for (const terminated of [
    epoch,
    { ...epoch, startedAt: new Date(0) },
    { ...epoch, startedAt: undefined },
  ]) {
    const usage = podUsage(pod(terminated), 1, NOW);
    assert.equal(usage?.seconds, 0, JSON.stringify(terminated));
    assert.equal(usage?.gpuSeconds, 0);
  }
  // Its pod start (a node took it) does not stand in for the start the container never had.
  assert.equal(podUsage(pod({ reason: 'StartError', finishedAt }, POD_START), 1, NOW)?.seconds, 0);
});

test('a pod still waiting for its image holds its node from the pod start; one no node started, nothing', () => {
  assert.equal(podUsage(pod(null), 1, NOW)?.seconds, 120);
  assert.equal(podUsage(pod(null, null), 1, NOW), null);
  assert.equal(podUsage(pod(null, '1970-01-01T00:00:00Z'), 1, NOW), null);
});

test("a pod with a sidecar listed first is billed by the trainer container's times", () => {
  const p = pod({
    exitCode: 0,
    startedAt: new Date('2026-12-06T19:58:30Z'),
    finishedAt: new Date('2026-12-06T19:59:30Z'),
  });
  const sidecar = trainerStatus({
    terminated: {
      exitCode: 0,
      startedAt: new Date('2026-12-06T19:58:00Z'),
      finishedAt: new Date('2026-12-06T19:59:59Z'),
    },
  });
  p.status!.containerStatuses!.unshift({ ...sidecar, name: 'log-shipper' });
  assert.equal(podUsage(p, 1, NOW)!.seconds, 60);
});
