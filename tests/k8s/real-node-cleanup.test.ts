/**
 * What a shared cluster's admins expect to be cleaned up, on the real node with its
 * controller-manager: a search's pods are owned by one object per search, and deleting it
 * makes the garbage collector delete them (running or kept); a worker started after a crash
 * deletes the owners of searches Temporal no longer runs (a real Temporal dev server is asked)
 * and the kept pods past `keptPodTtl`, and leaves a running search's pod alone; a pod that runs
 * past `activeDeadlineSeconds` is stopped by the kubelet and its run fails, not retried,
 * naming the deadline.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { searchOwnerName } from '../../src/executor/search-owner';
import { startDevServer, type DevServer } from '../../src/temporal/devserver';
import { searchRunning } from '../../src/temporal/client';
import { realNodeMissing, until } from '../support/k8s';
import { executorFailure, nodeSandbox, SMALL_POD, type NodeSandbox } from '../support/real-node';
import { skipWhen } from '../support/skip';

let box: NodeSandbox;

/** A run that trains for minutes unless stopped: many epochs of a larger synthetic set. */
const long = (id: string, experiment: string) =>
  box.spec(id, {
    output: `s3://${box.bucket}/experiments/${experiment}/candidates/${id}/runs/${id}`,
    dataset: { name: 'synthetic:16x16x1:4096:4c', validation: 0.25 },
    epochs: 200,
  });

const short = (id: string, experiment: string) =>
  box.spec(id, { output: `s3://${box.bucket}/experiments/${experiment}/candidates/${id}/runs/${id}` });

const phaseOf = async (spec: ReturnType<typeof short>) => (await box.podsOf(spec))[0]?.status?.phase;

describe(
  'cleaning up after searches on the real node',
  { skip: skipWhen('no-real-node', realNodeMissing()) },
  () => {
    before(async () => {
      box = await nodeSandbox('cleanup');
    });
    after(async () => {
      await box?.stop();
    });

    test("deleting a search's owner object garbage-collects its pods, running and kept", async () => {
      const ex = await box.executor({ resources: SMALL_POD }, { keepPods: true });
      const kept = short('kept', 'owned');
      assert.equal((await ex.run(kept)).status, 'completed');
      const running = long('running', 'owned');
      const failed = executorFailure(ex.run(running));
      await until(async () => (await phaseOf(running)) === 'Running', 'the long run to be Running', 120_000);
      const [pod] = await box.podsOf(running);
      const owner = searchOwnerName('owned');
      assert.deepEqual(
        pod.metadata?.ownerReferences?.map((r) => `${r.kind}/${r.name}`),
        [`ConfigMap/${owner}`],
      );
      // The run ends on its result in storage, perhaps a moment before its pod does.
      await until(async () => (await phaseOf(kept)) === 'Succeeded', 'the kept pod to be Succeeded', 30_000);
      await box.core.deleteNamespacedConfigMap({ name: owner, namespace: box.ns });
      await until(
        async () => (await box.podsOf(kept)).length === 0 && (await box.podsOf(running)).length === 0,
        'the garbage collector to delete both pods',
        60_000,
      );
      const e = await failed;
      assert.ok(e.retryable, e.message);
      assert.match(e.message, /was deleted before it finished/);
    });

    test('a worker started after a crash clears the pods of searches no longer running, and kept pods past their TTL', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'netgrow-reaper-'));
      let server: DevServer | undefined;
      try {
        server = await startDevServer({ dataDir: dir, port: 0, headless: true });
        const client = new Client({
          connection: await Connection.connect({ address: server.address }),
          namespace: server.namespace,
        });
        // A search that still runs: its workflow is open (no worker polls its queue here).
        await client.workflow.start('search', { taskQueue: 'nobody-polls', workflowId: 'alive' });
        const crashed = await box.executor({ resources: SMALL_POD }, { keepPods: true });
        const keptAlive = short('kept-alive', 'alive');
        assert.equal((await crashed.run(keptAlive)).status, 'completed');
        await until(async () => (await phaseOf(keptAlive)) === 'Succeeded', 'the kept pod to end', 30_000);
        const alive = long('alive-run', 'alive');
        const gone = long('gone-run', 'gone'); // Temporal has no workflow 'gone'
        const runs = [crashed.run(alive), crashed.run(gone)].map((p) => p.catch((e: Error) => e));
        await until(
          async () => (await phaseOf(alive)) === 'Running' && (await phaseOf(gone)) === 'Running',
          'both long runs Running',
          120_000,
        );
        crashed.close(); // the worker dies; its pods run on
        await Promise.all(runs);
        assert.equal(await searchRunning(client, 'alive'), true);
        assert.equal(await searchRunning(client, 'gone'), false);

        const next = await box.executor({ resources: SMALL_POD }, { keptPodTtlSeconds: 1 });
        await new Promise((r) => setTimeout(r, 1500)); // the kept pod ended over a second ago
        const keptName = (await box.podsOf(keptAlive))[0].metadata!.name;
        const reaped = await next.reap((id) => searchRunning(client, id));
        assert.deepEqual(reaped.owners, [searchOwnerName('gone')]);
        assert.deepEqual(reaped.pods, [keptName]);
        await until(
          async () => (await box.podsOf(gone)).length === 0,
          "the finished search's pod to go",
          60_000,
        );
        await until(async () => (await box.podsOf(keptAlive)).length === 0, 'the kept pod to go', 30_000);
        assert.equal(await phaseOf(alive), 'Running', 'the running search keeps its pod');
        // Again: nothing more to clear.
        assert.deepEqual(await next.reap((id) => searchRunning(client, id)), { owners: [], pods: [] });
        await client.connection.close();
      } finally {
        await server?.stop();
        await rm(dir, { recursive: true, force: true });
      }
    });

    test('a pod past activeDeadlineSeconds is stopped and its run fails for good, naming the deadline', async () => {
      const ex = await box.executor({ resources: SMALL_POD, activeDeadlineSeconds: 8 });
      const e = await executorFailure(ex.run(long('deadline', 'deadline')));
      assert.equal(e.retryable, false, e.message);
      assert.match(e.message, /ran past its deadline, activeDeadlineSeconds 8 s/);
    });
  },
);
