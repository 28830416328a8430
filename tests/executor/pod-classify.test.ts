/**
 * What each end of a trainer pod means for the run: finished (read result.json), retryable
 * (the infrastructure lost it) or permanent (it would fail the same way again), and how long a
 * pod may wait for an image or a node. Pod states as a kubelet and the scheduler write them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1ContainerStatus, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { classifyPod, exitVerdict, type ClassifyOptions } from '../../src/executor/pod-classify';
import { trainerStatus } from './container';

const T0 = Date.parse('2026-11-30T10:00:00Z');
const opts = (over: Partial<ClassifyOptions> = {}): ClassifyOptions => ({
  now: T0,
  imagePullGraceSeconds: 60,
  unschedulableTimeoutSeconds: 300,
  firstSeen: new Map(),
  ...over,
});
const pod = (status: V1PodStatus): V1Pod => ({
  metadata: { name: 'p', uid: 'u1' },
  spec: { containers: [] },
  status,
});
const terminated = (exitCode: number, reason = 'Error'): V1PodStatus => ({
  phase: exitCode === 0 ? 'Succeeded' : 'Failed',
  containerStatuses: [trainerStatus({ terminated: { exitCode, reason } })],
});

describe('exit codes', () => {
  test("netgrow's own codes come first: 0 and 3 finish, 2 is permanent, 4 and 130 are retryable", () => {
    assert.deepEqual(exitVerdict(0), { state: 'finished', exitCode: 0 });
    assert.deepEqual(exitVerdict(3), { state: 'finished', exitCode: 3 });
    assert.equal((exitVerdict(2) as { retryable: boolean }).retryable, false);
    assert.equal((exitVerdict(4) as { retryable: boolean }).retryable, true);
    assert.equal((exitVerdict(130) as { retryable: boolean }).retryable, true);
  });

  test('the training-operator convention for the rest: 1, 126, 127, 128, 139 permanent; 137, 143, others retryable', () => {
    for (const code of [1, 126, 127, 128, 139]) {
      assert.equal((exitVerdict(code) as { retryable: boolean }).retryable, false, `exit ${code}`);
    }
    for (const code of [137, 143, 6, 255]) {
      assert.equal((exitVerdict(code) as { retryable: boolean }).retryable, true, `exit ${code}`);
    }
  });
});

describe('pod ends', () => {
  test('a trainer out of accelerator memory (exit 5) is an out-of-memory failure, its message kept', () => {
    const status = terminated(5);
    status.containerStatuses![0].state!.terminated!.message =
      'netgrow train: out of accelerator memory (TensorFlow ResourceExhausted): OOM when allocating tensor';
    assert.deepEqual(classifyPod(pod(status), opts()), {
      state: 'failed',
      retryable: true,
      reason:
        'exited with code 5: out of accelerator memory: netgrow train: out of accelerator memory ' +
        '(TensorFlow ResourceExhausted): OOM when allocating tensor',
      outOfMemory: true,
    });
  });

  test('a diverged trainer (exit 3) finishes: its result.json says diverged', () => {
    assert.deepEqual(classifyPod(pod(terminated(3)), opts()), { state: 'finished', exitCode: 3 });
  });

  test('OOMKilled is retryable whatever the exit code, and says it was memory', () => {
    const v = classifyPod(pod(terminated(137, 'OOMKilled')), opts());
    assert.deepEqual(v, {
      state: 'failed',
      retryable: true,
      reason: 'OOMKilled: the trainer ran out of memory',
      outOfMemory: true,
    });
  });

  test("the container's termination message is part of the reason: a StartError names what is missing", () => {
    const status = terminated(128, 'StartError');
    const message =
      'failed to create containerd task: failed to create shim task: OCI runtime create failed: ' +
      'runc create failed: unable to start container process: exec: "train": executable file not found in $PATH: unknown';
    status.containerStatuses![0].state!.terminated!.message = message;
    assert.deepEqual(classifyPod(pod(status), opts()), {
      state: 'failed',
      retryable: false,
      reason: `exited with code 128 (StartError): ${message}`,
    });
    const lines = terminated(2);
    lines.containerStatuses![0].state!.terminated!.message =
      'netgrow train: no such dataset\n  (see --help)\n';
    assert.deepEqual(classifyPod(pod(lines), opts()), {
      state: 'failed',
      retryable: false,
      reason:
        'exited with code 2: the trainer rejected its spec or input: netgrow train: no such dataset | (see --help)',
    });
    const oom = terminated(137, 'OOMKilled');
    oom.containerStatuses![0].state!.terminated!.message = 'cgroup limit 8Gi';
    assert.equal(
      (classifyPod(pod(oom), opts()) as { reason: string }).reason,
      'OOMKilled: the trainer ran out of memory: cgroup limit 8Gi',
    );
  });

  test('an eviction and a DisruptionTarget condition (preemption, taint manager) are retryable', () => {
    const evicted = classifyPod(
      pod({ phase: 'Failed', reason: 'Evicted', message: 'low on memory' }),
      opts(),
    );
    assert.deepEqual(evicted, { state: 'failed', retryable: true, reason: 'evicted: low on memory' });
    const preempted = classifyPod(
      pod({
        ...terminated(143),
        conditions: [
          { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: 'by p2' },
        ],
      }),
      opts(),
    );
    assert.deepEqual(preempted, {
      state: 'failed',
      retryable: true,
      reason: 'disrupted (PreemptionByScheduler): by p2',
    });
  });

  test('a running pod the taint manager is deleting from a lost node ends its attempt as a lost node', () => {
    const evicting = (ready: 'True' | 'False'): V1Pod => ({
      metadata: { name: 'p', uid: 'u1', deletionTimestamp: new Date(T0) },
      spec: { containers: [], nodeName: 'n1' },
      status: {
        phase: 'Running',
        conditions: [
          { type: 'Ready', status: ready },
          {
            type: 'DisruptionTarget',
            status: 'True',
            reason: 'DeletionByTaintManager',
            message: 'Taint manager: deleting due to NoExecute taint',
          },
        ],
      },
    });
    assert.deepEqual(classifyPod(evicting('False'), opts()), {
      state: 'failed',
      retryable: true,
      nodeLost: true,
      reason:
        'evicted from node n1, which stopped reporting (DeletionByTaintManager: Taint manager: deleting due to NoExecute taint)',
    });
    // On a node that still reports, the kubelet ends the pod itself: wait for it.
    assert.deepEqual(classifyPod(evicting('True'), opts()), { state: 'running' });
  });

  test('running past activeDeadlineSeconds is permanent and names the deadline', () => {
    // As a kubelet leaves it: the pod Failed with reason DeadlineExceeded, the trainer killed.
    const p = pod({
      phase: 'Failed',
      reason: 'DeadlineExceeded',
      message: 'Pod was active on the node longer than the specified deadline',
      containerStatuses: [trainerStatus({ terminated: { exitCode: 137, reason: 'Error' } })],
    });
    p.spec!.activeDeadlineSeconds = 60;
    const v = classifyPod(p, opts());
    assert.equal(v.state, 'failed');
    assert.equal(v.state === 'failed' && v.retryable, false);
    assert.match(v.state === 'failed' ? v.reason : '', /deadline, activeDeadlineSeconds 60 s/);
    assert.match(v.state === 'failed' ? v.reason : '', /executor\.pod\.activeDeadlineSeconds/);
  });
});

describe('a pod with a sidecar (a mutating webhook adds containers, often listed first)', () => {
  const sidecar = (state: V1ContainerStatus['state']): V1ContainerStatus => ({
    ...trainerStatus(state ?? {}),
    name: 'istio-proxy',
  });

  test('a trainer that finished with 3 (diverged) is read from the trainer, not the sidecar', () => {
    const v = classifyPod(
      pod({
        phase: 'Failed',
        containerStatuses: [
          sidecar({ terminated: { exitCode: 0, reason: 'Completed' } }),
          trainerStatus({ terminated: { exitCode: 2, reason: 'Error' } }),
        ],
      }),
      opts(),
    );
    assert.equal(v.state === 'failed' && v.retryable, false);
    assert.match(v.state === 'failed' ? v.reason : '', /exited with code 2/);
  });

  test("the trainer's OOM kill counts though the sidecar ended with a plain error", () => {
    const v = classifyPod(
      pod({
        phase: 'Failed',
        containerStatuses: [
          sidecar({ terminated: { exitCode: 1, reason: 'Error' } }),
          trainerStatus({ terminated: { exitCode: 137, reason: 'OOMKilled' } }),
        ],
      }),
      opts(),
    );
    assert.equal(v.state === 'failed' && v.outOfMemory, true);
  });

  test("the trainer's image pull error is seen, the running sidecar's state ignored", () => {
    const v = classifyPod(
      pod({
        phase: 'Pending',
        containerStatuses: [
          sidecar({ running: { startedAt: new Date(T0) } }),
          trainerStatus({ waiting: { reason: 'InvalidImageName', message: 'bad' } }),
        ],
      }),
      opts(),
    );
    assert.deepEqual(v, { state: 'failed', retryable: false, reason: 'InvalidImageName: bad' });
  });

  test("a sidecar's pull error does not fail the run (only the trainer's container is netgrow's)", () => {
    const v = classifyPod(
      pod({
        phase: 'Pending',
        containerStatuses: [
          sidecar({ waiting: { reason: 'InvalidImageName', message: 'sidecar' } }),
          trainerStatus({ waiting: { reason: 'ContainerCreating' } }),
        ],
      }),
      opts(),
    );
    assert.equal(v.state, 'pending');
  });
});

describe('waiting pods', () => {
  const pulling = pod({
    phase: 'Pending',
    containerStatuses: [
      trainerStatus({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "i"' } }),
    ],
  });

  test('an image pull error waits out its grace period, counted from when it was first seen, then is permanent', () => {
    const firstSeen = new Map<string, number>();
    assert.equal(classifyPod(pulling, opts({ firstSeen })).state, 'pending');
    assert.equal(classifyPod(pulling, opts({ firstSeen, now: T0 + 59_000 })).state, 'pending');
    assert.deepEqual(classifyPod(pulling, opts({ firstSeen, now: T0 + 60_000 })), {
      state: 'failed',
      retryable: false,
      reason: 'ImagePullBackOff: Back-off pulling image "i"',
    });
  });

  test('an unschedulable pod fails after the timeout from its condition, or waits forever with null', () => {
    const p = pod({
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.',
          lastTransitionTime: new Date(T0),
        },
      ],
    });
    assert.equal(classifyPod(p, opts({ now: T0 + 299_000 })).state, 'pending');
    const v = classifyPod(p, opts({ now: T0 + 300_000 }));
    assert.equal(
      v.state === 'failed' && !v.retryable && v.reason.includes('Insufficient nvidia.com/gpu'),
      true,
    );
    assert.equal(
      classifyPod(p, opts({ now: T0 + 86_400_000, unschedulableTimeoutSeconds: null })).state,
      'pending',
    );
  });

  test('a running pod is running', () => {
    assert.deepEqual(classifyPod(pod({ phase: 'Running' }), opts()), { state: 'running' });
  });
});
