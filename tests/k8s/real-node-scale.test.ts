/**
 * One worker, many pods: a Kubernetes executor following 50 trainer pods at once on the real
 * node holds one watch connection to the API server (counted by the API server itself, in its
 * `apiserver_longrunning_requests` gauge) and reads each pod's log once, at its end (counted in
 * `apiserver_request_total`); progress comes from the run folders. Its heap after the 50 runs
 * is within a few MB of before.
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, describe, test } from 'node:test';
import { apiServerMetrics, metricSum, realNodeMissing, until } from '../support/k8s';
import { nodeSandbox, type NodeSandbox } from '../support/real-node';
import { skipWhen } from '../support/skip';

let box: NodeSandbox;
const PODS = 50;

/**
 * Namespaced watches of pods open at the API server now: the gauge has no namespace label, but
 * the node's own watches are cluster-wide and only this test runs.
 */
const podWatches = async (): Promise<number> =>
  metricSum(await apiServerMetrics(box.node.admin), 'apiserver_longrunning_requests', {
    resource: 'pods',
    scope: 'namespace',
    verb: 'WATCH',
  });

const logReads = async (): Promise<number> =>
  metricSum(await apiServerMetrics(box.node.admin), 'apiserver_request_total', {
    resource: 'pods',
    subresource: 'log',
    verb: 'CONNECT', // how the API server counts a log read
  });

function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

describe(
  'many pods from one worker on the real node',
  { skip: skipWhen('no-real-node', realNodeMissing()) },
  () => {
    before(async () => {
      box = await nodeSandbox('scale');
    });
    after(async () => {
      await box?.stop();
    });

    test(`${PODS} concurrent pods are followed through one watch, their logs read once each`, async () => {
      const ex = await box.executor(
        { resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '768Mi' } } },
        { parallelism: PODS, pollMs: 1000 },
      );
      await ex.check();
      const specs = Array.from({ length: PODS }, (_, i) => box.spec(`scale-${i}`));
      const watchesBefore = await podWatches();
      const readsBefore = await logReads();
      const heapBefore = heapAfterGc();
      let progress = 0;
      const runs = Promise.all(specs.map((s) => ex.run(s, { onProgress: () => progress++ })));
      // Sampled while the runs go: how many pods exist at once, and the watches open.
      let mostPods = 0;
      let mostWatches = 0;
      let heapPeak = 0;
      let settled = false;
      void runs.finally(() => (settled = true)).catch(() => undefined);
      while (!settled) {
        const pods = (await box.core.listNamespacedPod({ namespace: box.ns })).items;
        const live = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
        mostPods = Math.max(mostPods, live.length);
        mostWatches = Math.max(mostWatches, (await podWatches()) - watchesBefore);
        heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
        await new Promise((r) => setTimeout(r, 500));
      }
      const results = await runs;
      for (const r of results) assert.equal(r.status, 'completed', JSON.stringify(r));
      const heapAfter = heapAfterGc();
      const reads = (await logReads()) - readsBefore;
      const mb = (n: number) => (n / 2 ** 20).toFixed(1);
      console.log(
        `${PODS} pods: at most ${mostPods} at once, ${mostWatches} pod watch(es) open, ` +
          `${ex.informer(box.ns).watchRequests} watch request(s), ${reads} log reads, ` +
          `${progress} progress reports; heap ${mb(heapBefore)} MB before, ` +
          `${mb(heapPeak)} MB peak (no GC), ${mb(heapAfter)} MB after`,
      );
      assert.equal(mostPods, PODS, 'all pods at once');
      assert.equal(mostWatches, 1);
      assert.equal(reads, PODS);
      assert.ok(progress >= PODS, `progress from storage: ${progress}`);
      // No per-pod state stays behind: within 8 MB of before, after 50 runs.
      assert.ok(heapAfter - heapBefore < 8 * 2 ** 20, `heap grew by ${mb(heapAfter - heapBefore)} MB`);
      // The watch closes with its last follower.
      await until(async () => (await podWatches()) === watchesBefore, 'the watch to close', 10_000);
    });
  },
);
