/**
 * The trainer pod built from the search config's template: deterministic names and labels
 * (what adoption relies on), the argument array, GPU limits, the security context,
 * credentials only by reference to a Secret, and the worker's non-secret storage settings.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SearchConfig } from '../../src/search/config';
import { podName, runIdentity, trainerPod } from '../../src/executor/pod-spec';
import {
  DATASET_CACHE_MOUNT,
  DEFAULT_ACTIVE_DEADLINE_SECONDS,
  PodTemplate,
} from '../../src/contracts/pod-template';
import { TrainSpec } from '../../src/contracts/train';
import { storageSettings } from '../../src/storage/settings';

const spec = TrainSpec.parse({
  runId: 'g1-c3-a2',
  candidate: 'g1-c3',
  checkpoint: 'builtin:seed-ga',
  output: 's3://bucket/runs/experiments/fmnist-ga-20261130/candidates/g1-c3/runs/g1-c3-a2',
});

describe('pod names', () => {
  test('the same run gets the same name and labels every time; another run folder another name', () => {
    const id = runIdentity(spec);
    assert.equal(id.experiment, 'fmnist-ga-20261130');
    assert.equal(podName(id, 1), podName(runIdentity(spec), 1));
    assert.match(podName(id, 1), /^ng-fmnist-ga-202611-g1-c3-a2-[0-9a-f]{8}-1$/);
    assert.notEqual(podName(id, 1), podName(id, 2));
    const elsewhere = runIdentity({ ...spec, output: spec.output.replace('bucket', 'other') });
    assert.notEqual(podName(elsewhere, 1), podName(id, 1));
  });

  test('names stay valid hostnames however long the ids', () => {
    const long = runIdentity({
      ...spec,
      runId: 'X'.repeat(80) + '_a1',
      output: `file:///r/experiments/${'E'.repeat(90)}/candidates/c/runs/x`,
    });
    const name = podName(long, 12);
    assert.ok(name.length <= 63, name);
    assert.match(name, /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
  });
});

describe('the trainer pod', () => {
  const pod = trainerPod({
    name: 'ng-x-1',
    id: runIdentity(spec),
    attempt: 1,
    image: 'ghcr.io/acme/netgrow:1.0',
    gpus: 2,
    specUri: `${spec.output}/trainspec.json`,
    template: PodTemplate.parse({
      nodeSelector: { pool: 'gpu' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      priorityClassName: 'batch-low',
      labels: { team: 'ml', [`netgrow.io/run`]: 'spoofed' },
      activeDeadlineSeconds: 7200,
      env: [{ name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 's3', key: 'secret' } } }],
    }),
  });
  const c = pod.spec!.containers[0];

  test('runs `netgrow train --spec <uri>` as an argument array, once (restartPolicy Never)', () => {
    assert.deepEqual(c.args, ['train', '--spec', `${spec.output}/trainspec.json`]);
    // netgrow's entry point in the image: the pod does not depend on the image's ENTRYPOINT.
    assert.deepEqual(c.command, ['node', '/opt/netgrow/bin/netgrow.js']);
    assert.equal(pod.spec!.restartPolicy, 'Never');
  });

  test('asks for the GPUs as request and limit, with the template scheduling fields', () => {
    assert.equal(c.resources!.limits!['nvidia.com/gpu'], '2');
    assert.equal(c.resources!.requests!['nvidia.com/gpu'], '2');
    // Defaults: one CPU, so that a trainer fits a 2-CPU node beside its daemons.
    assert.equal(c.resources!.requests!.cpu, '1');
    assert.equal(c.resources!.requests!.memory, '8Gi');
    assert.deepEqual(pod.spec!.nodeSelector, { pool: 'gpu' });
    assert.equal(pod.spec!.priorityClassName, 'batch-low');
    assert.equal(pod.spec!.activeDeadlineSeconds, 7200);
    assert.equal(pod.spec!.tolerations!.length, 1);
  });

  test("netgrow's labels win over the template's", () => {
    assert.equal(pod.metadata!.labels!['netgrow.io/run'], 'g1-c3-a2');
    assert.equal(pod.metadata!.labels!.team, 'ml');
    assert.equal(pod.metadata!.labels!['netgrow.io/pod-attempt'], '1');
  });

  test('non-root, no privilege escalation, read-only root with a scratch emptyDir, no API token', () => {
    assert.equal(pod.spec!.securityContext!.runAsNonRoot, true);
    // PodSecurity `restricted` (tests/k8s/pod-security.test.ts has an API server admit it).
    assert.deepEqual(pod.spec!.securityContext!.seccompProfile, { type: 'RuntimeDefault' });
    assert.deepEqual(c.securityContext!.capabilities, { drop: ['ALL'] });
    assert.equal(c.securityContext!.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext!.readOnlyRootFilesystem, true);
    assert.deepEqual(c.volumeMounts, [{ name: 'scratch', mountPath: '/scratch' }]);
    assert.ok(pod.spec!.volumes!.some((v) => v.name === 'scratch' && v.emptyDir));
    assert.equal(pod.spec!.automountServiceAccountToken, false);
    assert.ok(c.env!.some((e) => e.name === 'TMPDIR' && e.value === '/scratch'));
  });
});

describe('the deadline', () => {
  const deadline = (over: object) =>
    trainerPod({
      name: 'ng-x-1',
      id: runIdentity(spec),
      attempt: 1,
      image: 'i',
      gpus: 0,
      specUri: 's',
      template: PodTemplate.parse(over),
    }).spec!.activeDeadlineSeconds;

  test('a day unless the template says otherwise; null means none', () => {
    assert.equal(deadline({}), DEFAULT_ACTIVE_DEADLINE_SECONDS);
    assert.equal(DEFAULT_ACTIVE_DEADLINE_SECONDS, 86_400);
    assert.equal(deadline({ activeDeadlineSeconds: 600 }), 600);
    assert.equal(deadline({ activeDeadlineSeconds: null }), undefined);
    assert.equal(PodTemplate.safeParse({ activeDeadlineSeconds: 0 }).success, false);
  });
});

describe('the node-local dataset cache', () => {
  const podWith = (datasetCache?: unknown) =>
    trainerPod({
      name: 'ng-x-1',
      id: runIdentity(spec),
      attempt: 1,
      image: 'netgrow:1',
      gpus: 0,
      specUri: `${spec.output}/trainspec.json`,
      template: PodTemplate.parse(datasetCache === undefined ? {} : { datasetCache }),
    });
  const containerOf = (pod: ReturnType<typeof podWith>) => pod.spec!.containers[0];
  const cacheEnv = (pod: ReturnType<typeof podWith>) =>
    containerOf(pod).env!.find((e) => e.name === 'NETGROW_DATASET_CACHE')?.value;

  test('none by default: the dataset is fetched into the scratch volume only', () => {
    const pod = podWith();
    assert.deepEqual(
      pod.spec!.volumes!.map((v) => v.name),
      ['scratch'],
    );
    assert.equal(cacheEnv(pod), undefined);
    assert.ok(containerOf(pod).env!.some((e) => e.name === 'XDG_CACHE_HOME' && e.value === '/scratch/cache'));
  });

  test('a hostPath is mounted at /dataset-cache, created if absent, and named to the trainer', () => {
    const pod = podWith({ hostPath: '/var/cache/netgrow-datasets' });
    const volume = pod.spec!.volumes!.find((v) => v.name === 'dataset-cache');
    assert.deepEqual(volume?.hostPath, { path: '/var/cache/netgrow-datasets', type: 'DirectoryOrCreate' });
    assert.deepEqual(containerOf(pod).volumeMounts, [
      { name: 'scratch', mountPath: '/scratch' },
      { name: 'dataset-cache', mountPath: DATASET_CACHE_MOUNT },
    ]);
    assert.equal(cacheEnv(pod), DATASET_CACHE_MOUNT);
  });

  test('a PersistentVolumeClaim is mounted the same way', () => {
    const pod = podWith({ persistentVolumeClaim: 'datasets' });
    const volume = pod.spec!.volumes!.find((v) => v.name === 'dataset-cache');
    assert.deepEqual(volume?.persistentVolumeClaim, { claimName: 'datasets' });
    assert.equal(volume?.hostPath, undefined);
    assert.equal(cacheEnv(pod), DATASET_CACHE_MOUNT);
  });

  test('the config refuses a relative hostPath, both kinds at once, and unknown keys', () => {
    for (const bad of [
      { hostPath: 'cache' },
      { hostPath: '/c', persistentVolumeClaim: 'd' },
      { emptyDir: {} },
      { persistentVolumeClaim: '' },
    ]) {
      assert.equal(PodTemplate.safeParse({ datasetCache: bad }).success, false, JSON.stringify(bad));
    }
  });
});

describe("the worker's storage settings", () => {
  test('reach the pod as env, the secrets and an endpoint with a password in it do not; the template wins', () => {
    const settings = storageSettings({
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_S3: 'http://seaweed.storage:8333',
      AWS_ENDPOINT_URL: 'http://user:pw@s3.internal',
      NETGROW_S3_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'AKIA…',
      AWS_SECRET_ACCESS_KEY: 'hunter2',
      TEMPORAL_ADDRESS: 'temporal:7233',
    });
    assert.deepEqual(settings, {
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_S3: 'http://seaweed.storage:8333',
      NETGROW_S3_PATH_STYLE: 'true',
    });
    const pod = trainerPod({
      name: 'ng-x-1',
      id: runIdentity(spec),
      attempt: 1,
      image: 'i',
      gpus: 0,
      specUri: `${spec.output}/trainspec.json`,
      template: PodTemplate.parse({ env: [{ name: 'AWS_REGION', value: 'us-west-2' }] }),
      settings,
    });
    const env = pod.spec!.containers[0].env!;
    assert.deepEqual(
      env.filter((e) => e.name.startsWith('AWS_') || e.name.startsWith('NETGROW_')),
      [
        { name: 'AWS_ENDPOINT_URL_S3', value: 'http://seaweed.storage:8333' },
        { name: 'NETGROW_S3_PATH_STYLE', value: 'true' },
        { name: 'AWS_REGION', value: 'us-west-2' },
      ],
    );
  });
});

describe('the template in the search config', () => {
  const parse = (pod: unknown) =>
    SearchConfig.safeParse({ name: 'x', executor: { kind: 'kubernetes', pod } });

  test('a credential as a literal env value is refused; by reference it is fine', () => {
    const literal = parse({ env: [{ name: 'AWS_SECRET_ACCESS_KEY', value: 'hunter2' }] });
    assert.equal(literal.success, false);
    assert.match(JSON.stringify(literal.error?.issues), /reference a Secret/);
    const ref = parse({
      env: [{ name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
    });
    assert.equal(ref.success, true);
    assert.equal(parse({ env: [{ name: 'AWS_REGION', value: 'eu-west-1' }] }).success, true);
  });

  test('unknown template fields are errors', () => {
    assert.equal(parse({ nodeSelectr: { a: 'b' } }).success, false);
  });

  test('by default storage credentials come from the optional netgrow-storage Secret', () => {
    const r = parse({});
    assert.ok(r.success);
    const ex = r.data.executor;
    assert.deepEqual(ex.kind === 'kubernetes' && ex.pod.envFrom, [
      { secretRef: { name: 'netgrow-storage', optional: true } },
    ]);
  });
});
