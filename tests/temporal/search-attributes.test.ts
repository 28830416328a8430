/**
 * `netgrow temporal setup` against a Temporal server started without netgrow's search
 * attributes (as a cluster is): the first run registers them through the operator API, a
 * second run changes nothing, and a name already taken with another type is refused in one line.
 * Before it has run, `netgrow search` says so (exit 2, naming the attributes and the command),
 * and `netgrow status` of the search that could not start says there is no such search.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/config';
import { resolveTemporalCli } from '../../src/temporal/devserver';
import { netgrow } from '../e2e/support';
import { freePorts, lostPortRace, PortRace, retryPortRace } from '../support/ports';

let dir: string;
let server: ChildProcess;
let address: string;

async function connectWhenUp(timeoutMs = 60_000): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      await c.operatorService.listSearchAttributes({ namespace: 'default' });
      return c;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function startPlainServer(namespaces: string[] = []): Promise<void> {
  // The port is found free, then bound by the CLI (which picks more of its own): a start that
  // lost one to another process is retried on fresh ports (tests/support/ports.ts).
  await retryPortRace(async (attempt) => {
    const [port] = await freePorts(1);
    address = `127.0.0.1:${port}`;
    const args = ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port)];
    for (const ns of namespaces) args.push('--namespace', ns);
    // No --search-attribute flags: netgrow's are absent, as on a fresh cluster.
    const db = join(dir, `temporal-${attempt}.sqlite`);
    server = spawn(resolveTemporalCli(), [...args, '--db-filename', db, '--log-level', 'error'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    server.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(server, 'exit').then(([code]) => `exited (${code})`);
    const up = connectWhenUp().then(
      (c) => c.close().then(() => 'up'),
      (e: Error) => e.message,
    );
    const outcome = await Promise.race([up, exited]);
    if (outcome !== 'up') {
      server.kill('SIGKILL');
      throw new (lostPortRace(stderr) ? PortRace : Error)(`temporal ${outcome}: ${stderr.slice(-500)}`);
    }
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'netgrow-sa-'));
  await startPlainServer(['netgrow-prod', 'bare']);
});
after(async () => {
  server?.kill('SIGTERM');
  if (server && server.exitCode === null) await once(server, 'exit');
  await rm(dir, { recursive: true, force: true });
});

const names = Object.values(SEARCH_ATTRIBUTES).map((k) => k.name);

test('netgrow temporal setup registers the search attributes once, idempotently', async () => {
  const connection = await connectWhenUp();
  try {
    const before = await connection.operatorService.listSearchAttributes({ namespace: 'netgrow-prod' });
    for (const name of names) assert.ok(!(name in before.customAttributes), `${name} absent at first`);

    const first = await netgrow([
      'temporal',
      'setup',
      '--temporal-address',
      address,
      '--namespace',
      'netgrow-prod',
      '--json',
    ]);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout), { added: names, present: [] });

    const again = await netgrow([
      'temporal',
      'setup',
      '--temporal-address',
      address,
      '--namespace',
      'netgrow-prod',
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(
      again.stdout.trim(),
      `all ${names.length} netgrow search attributes already registered in netgrow-prod`,
    );

    const after = await connection.operatorService.listSearchAttributes({ namespace: 'netgrow-prod' });
    const { IndexedValueType } = temporal.api.enums.v1;
    assert.equal(after.customAttributes.NetgrowBestValAcc, IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE);
    assert.equal(after.customAttributes.NetgrowGeneration, IndexedValueType.INDEXED_VALUE_TYPE_INT);
    assert.equal(after.customAttributes.NetgrowExperimentId, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
  } finally {
    await connection.close();
  }
});

test('a netgrow name registered with another type is refused in one line, nothing added', async () => {
  const connection = await connectWhenUp();
  try {
    const { IndexedValueType } = temporal.api.enums.v1;
    await connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: { NetgrowGeneration: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD },
    });
    const run = await netgrow(['temporal', 'setup', '--temporal-address', address]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(
      run.stderr,
      /NetgrowGeneration exists in namespace default as INDEXED_VALUE_TYPE_KEYWORD, netgrow needs INDEXED_VALUE_TYPE_INT/,
    );
    const now = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    assert.ok(!('NetgrowExperimentId' in now.customAttributes), 'nothing added on a conflict');
  } finally {
    await connection.close();
  }
});

test('a search on a namespace without the attributes: exit 2 naming them and netgrow temporal setup', async () => {
  await (await connectWhenUp()).close();
  const config = join(dir, 'bare.yaml');
  await writeFile(
    config,
    `name: bare\ndataset: { name: "synthetic:8x8x1:64:2c" }\nstorage: { uri: "file://${dir}/runs" }\n`,
  );
  const flags = ['--temporal-address', address, '--namespace', 'bare'];
  const run = await netgrow(['search', '--config', config, ...flags]);
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  assert.match(
    run.stderr.trim(),
    new RegExp(
      `^netgrow: Temporal namespace bare at ${address} lacks netgrow's search attributes \\(${names.join(', ')}\\); ` +
        `register them once with: netgrow temporal setup --temporal-address ${address} --namespace bare; ` +
        'then start this one with: netgrow resume bare-[a-z0-9]+$',
    ),
  );
  const id = /netgrow resume (\S+)$/.exec(run.stderr.trim())![1];

  const status = await netgrow(['status', id, '--storage', `file://${dir}/runs`, ...flags]);
  assert.equal(status.code, 2, status.stderr);
  assert.match(
    status.stderr,
    new RegExp(`^netgrow: no such search on Temporal ${address} \\(namespace bare\\): ${id} `),
  );
  assert.match(status.stderr, new RegExp(`netgrow resume ${id} starts it$`, 'm'));
});
