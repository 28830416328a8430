import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Connection } from '@temporalio/client';
import { SearchConfig } from '../../src/search/config';
import { candidateSettings } from '../../src/search/train-spec';
import { SEARCH_ATTRIBUTES, TASK_QUEUES } from '../../src/temporal/config';
import { DevServerError, resolveTemporalCli, startDevServer } from '../../src/temporal/devserver';
import { candidateWorkflow } from '../../workflows';
import { startTemporal, type TemporalTestEnv } from '../support/temporal';
import { scriptedActivities } from './activities';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-devserver-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function httpStatus(url: string): Promise<number> {
  return new Promise((res, rej) => {
    get(url, { agent: false }, (r) => {
      r.resume();
      res(r.statusCode ?? 0);
    }).on('error', rej);
  });
}

describe('embedded Temporal dev server', () => {
  test('starts on loopback with the Web UI and netgrow search attributes; a second one on the same port fails clearly', async (t) => {
    const server = await startDevServer({ dataDir: join(dir, 'ui'), port: 0 });
    try {
      t.diagnostic(`dev server ready in ${server.startupMs} ms (${server.address}, UI ${server.uiUrl})`);
      assert.match(server.address, /^127\.0\.0\.1:\d+$/);
      assert.match(server.uiUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(await httpStatus(server.uiUrl as string), 200);
      assert.equal(server.dbFile, join(dir, 'ui', 'temporal.sqlite'));
      const connection = await Connection.connect({ address: server.address });
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({
          namespace: server.namespace,
        });
        for (const key of Object.values(SEARCH_ATTRIBUTES)) assert.ok(key.name in customAttributes, key.name);
      } finally {
        await connection.close();
      }
      const port = Number(server.address.split(':')[1]);
      const clash = await startDevServer({
        dataDir: join(dir, 'clash'),
        port,
        headless: true,
        readyTimeoutMs: 20_000,
      }).catch((e: unknown) => e);
      assert.ok(clash instanceof DevServerError, `expected a DevServerError, got ${String(clash)}`);
      assert.equal(
        clash.message,
        `127.0.0.1:${port}, the gRPC port for the Temporal dev server, is already in use (another Temporal server?); stop it or choose another port`,
      );
    } finally {
      await server.stop();
    }
    await server.stop(); // idempotent
  });

  test('a server that lost a race for one of its own ports is started again on fresh ports', async () => {
    // A CLI that fails its first start the way the real one does when another process took a
    // port between netgrow's probe and the bind, then behaves as the real CLI.
    const count = join(dir, 'race-count');
    const cli = join(dir, 'racing-temporal');
    await writeFile(
      cli,
      `#!/bin/sh\nif [ ! -e '${count}' ]; then : > '${count}'\n` +
        `echo '{"level":"FATAL","message":"listen tcp 127.0.0.1:1: bind: address already in use"}' >&2; exit 1; fi\n` +
        `exec '${resolveTemporalCli()}' "$@"\n`,
      { mode: 0o755 },
    );
    const server = await startDevServer({
      dataDir: join(dir, 'race'),
      port: 0,
      headless: true,
      executable: cli,
    });
    try {
      assert.ok(existsSync(count), 'the first start lost its race');
      assert.match(readFileSync(server.logFile, 'utf8'), /address already in use/);
      const connection = await Connection.connect({ address: server.address });
      await connection.close();
    } finally {
      await server.stop();
    }
  });

  test('the CLI binary: TEMPORAL_CLI first, else .tools/bin/temporal; a wrong TEMPORAL_CLI is named', () => {
    assert.match(resolveTemporalCli({ PATH: '' }), /\.tools\/bin\/temporal$/);
    assert.throws(() => resolveTemporalCli({ TEMPORAL_CLI: '/nonexistent/temporal' }), {
      name: 'DevServerError',
      message: 'TEMPORAL_CLI=/nonexistent/temporal is not an executable file',
    });
  });

  describe('persistence', () => {
    let env: TemporalTestEnv;
    before(async () => {
      env = await startTemporal();
    });
    after(async () => {
      await env?.stop();
    });

    test('a workflow started before a server restart on the same SQLite file is still there and completes', async (t) => {
      const config = SearchConfig.parse({ name: 'persist', dataset: {} });
      const handle = await env.client.workflow.start(candidateWorkflow, {
        workflowId: 'persist-1',
        taskQueue: TASK_QUEUES.orchestration,
        args: [
          {
            experimentId: 'persist',
            experimentUri: 'file:///tmp/netgrow-test/experiments/persist',
            generation: 0,
            child: { parentId: null, childId: 'g0-c0', seed: 1, ops: [] },
            parent: { kind: 'start', arch: 'seed-ga' },
            settings: candidateSettings(config),
          },
        ],
      });
      assert.equal((await handle.describe()).status.name, 'RUNNING', 'no worker yet');
      const t0 = Date.now();
      await env.restart();
      t.diagnostic(
        `restart on the same SQLite file: ${Date.now() - t0} ms (ready in ${env.server.startupMs} ms)`,
      );
      const again = env.client.workflow.getHandle('persist-1');
      const described = await again.describe();
      assert.equal(described.status.name, 'RUNNING');
      assert.equal(described.runId, handle.firstExecutionRunId);
      const result = await env.withWorkers(scriptedActivities(), () => again.result());
      assert.equal(result.entry.status, 'completed');
      assert.equal((await again.describe()).status.name, 'COMPLETED');
    });
  });
});
