/**
 * `netgrow train --spec` as a child process, the way executors and pods run it: a run killed
 * with SIGKILL mid-epoch and rerun resumes from its last epoch checkpoint and ends with the
 * same epochs and metrics as an uninterrupted run; SIGTERM checkpoints mid-epoch and exits
 * 130; an absurd learning rate exits 3 within the first epoch; a bad spec lists every issue
 * and exits 2. Small real data (a Fashion-MNIST subset) and a small MLP keep each run to seconds.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { before, describe, test } from 'node:test';
import { parseProgressLine } from '../../src/executor/executor';
import { TrainProgress } from '../../src/train/run';
import { openStore } from '../../src/storage';
import { TRAIN_EXIT, TrainResult, TrainSpecInput } from '../../src/contracts/train';
import { assertSameRun, mnistMlp, startCheckpoint, tempDir } from './fixtures';
import { TEST_BACKEND } from '../support/backend';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/netgrow.js');

let dir: string;
let start: string;

before(async () => {
  dir = tempDir('cli');
  // flatten → fc 32 → fc 10: small enough that each run takes a few seconds on the cpu backend.
  start = await startCheckpoint(dir, mnistMlp(32), 3);
});

function specFile(name: string, extra: Partial<TrainSpecInput> = {}): { file: string; output: string } {
  const output = join(dir, name);
  const spec: TrainSpecInput = {
    runId: name,
    checkpoint: start,
    output,
    seed: 5,
    dataset: { name: 'fashion-mnist', limit: 1200, validation: 0.2 },
    epochs: 3,
    batchSize: 32,
    logEverySteps: 2,
    optimizer: { kind: 'sgd', lr: 0.02, momentum: 0.9 },
    ...extra,
  };
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(spec));
  return { file, output };
}

interface Child {
  child: ChildProcess;
  exit: Promise<number | null>;
  stderr: () => string;
}

/** Runs `netgrow train`; `onProgress` sees every progress line as it comes. */
function train(args: string[], onProgress?: (p: TrainProgress, child: ChildProcess) => void): Child {
  const child = spawn(process.execPath, [BIN, 'train', '--backend', TEST_BACKEND, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const p = parseProgressLine(line) as TrainProgress | null;
    if (p && onProgress) onProgress(p, child);
  });
  const exit = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  return { child, exit, stderr: () => err };
}

async function result(output: string): Promise<TrainResult> {
  return TrainResult.parse(JSON.parse(await openStore(output).getText('result.json')));
}

describe('netgrow train (child process)', () => {
  test('SIGKILL mid-epoch, rerun: same epochs and metrics as an uninterrupted run', async () => {
    const whole = specFile('whole');
    const w = train(['--spec', whole.file]);
    assert.equal(await w.exit, TRAIN_EXIT.done, w.stderr());

    const parts = specFile('killed');
    let killedAt: TrainProgress | null = null;
    const k = train(['--spec', parts.file], (p, child) => {
      // Mid-epoch 2: epoch 1's checkpoint exists, epoch 2's does not.
      if (!killedAt && p.epoch === 2 && !p.epochDone && p.step > p.stepsPerEpoch + 4) {
        killedAt = p;
        child.kill('SIGKILL');
      }
    });
    await k.exit;
    assert.ok(killedAt, 'the child was killed mid-epoch 2');
    assert.equal(k.child.signalCode, 'SIGKILL');
    assert.ok(!existsSync(join(parts.output, 'result.json')), 'a killed run leaves no result');
    assert.ok(existsSync(join(parts.output, 'epochs/1/meta.json')));

    const again = train(['--spec', parts.file, '--resume']);
    assert.equal(await again.exit, TRAIN_EXIT.done, again.stderr());
    const [a, b] = [await result(whole.output), await result(parts.output)];
    assert.equal(b.resumedFromEpoch, 1);
    assertSameRun(a, b);
  });

  test('SIGTERM checkpoints mid-epoch and exits 130; the rerun continues from there', async () => {
    const run = specFile('terminated');
    let sent = false;
    const t = train(['--spec', run.file], (p, child) => {
      if (!sent && p.epoch === 1 && p.step >= 6) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    assert.equal(await t.exit, TRAIN_EXIT.interrupted, t.stderr());
    const stopped = await result(run.output);
    assert.equal(stopped.status, 'stopped');
    assert.match(stopped.checkpoint!, /interrupted$/);
    const again = train(['--spec', run.file]);
    assert.equal(await again.exit, TRAIN_EXIT.done, again.stderr());
    assertSameRun(await result(join(dir, 'whole')), await result(run.output));
  });

  test('an absurd learning rate exits 3 (diverged) within the first epoch', async () => {
    const run = specFile('absurd', { optimizer: { kind: 'sgd', lr: 1e7, momentum: 0.9 } });
    const d = train(['--spec', run.file]);
    assert.equal(await d.exit, TRAIN_EXIT.diverged, d.stderr());
    const r = await result(run.output);
    assert.equal(r.status, 'diverged');
    assert.equal(r.diverged!.epoch, 1);
    assert.ok(r.diverged!.step < 30, `diverged at step ${r.diverged!.step} (30 steps per epoch)`);
  });

  test('a bad spec prints every issue with its path and exits 2', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ runId: 'a b', output: 'x', epochs: 0, optimizer: { kind: 'sgd', lr: -1 }, colour: 1 }),
    );
    const b = train(['--spec', file]);
    assert.equal(await b.exit, TRAIN_EXIT.badInput);
    const lines = b.stderr().trim().split('\n');
    assert.match(lines[0], /^netgrow train: .*bad\.json is invalid \(\d+ issues\):$/);
    for (const path of ['runId', 'checkpoint', 'epochs', 'optimizer.lr', '(spec)']) {
      assert.ok(
        lines.some((l) => l.trim().startsWith(`${path}: `)),
        `an issue for ${path} in:\n${b.stderr()}`,
      );
    }
    assert.ok(!/\n\s+at /.test(b.stderr()), 'no stack trace');
    const missing = train(['--spec', join(dir, 'nope.json')]);
    assert.equal(await missing.exit, TRAIN_EXIT.badInput);
    assert.match(missing.stderr(), /^netgrow train: cannot read the spec .*nope\.json/);
  });
});
