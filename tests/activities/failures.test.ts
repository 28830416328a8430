/**
 * An activity failure's message fits the size the Temporal server keeps: a long one (a pod's
 * log tail) is cut in the middle, keeping what failed and the newest log lines.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/activity';
import { defaultFailureConverter, defaultPayloadConverter } from '@temporalio/common';
import { asExecutorFailure, FAILURE_MESSAGE_BYTES, fitFailure } from '../../activities/failures';
import { ExecutorError } from '../../src/executor/executor';

const logLine = (i: number) => `epoch ${i} step ${i * 10} loss 0.${i} — ${'x'.repeat(180)}`;

test('a short message is kept as it is', () => {
  assert.equal(fitFailure('run r1: pod p1 OOMKilled'), 'run r1: pod p1 OOMKilled');
});

test('a long message keeps its head and its newest lines, within the bound', () => {
  const message = [
    'run r1: pod p1 deleted before it finished (DeletionByTaintManager)',
    '--- container log (tail)',
    ...Array.from({ length: 40 }, (_, i) => logLine(i)),
  ].join('\n');
  const fitted = fitFailure(message);
  assert.ok(Buffer.byteLength(fitted) <= FAILURE_MESSAGE_BYTES, `${Buffer.byteLength(fitted)} bytes`);
  assert.match(
    fitted,
    /^run r1: pod p1 deleted before it finished \(DeletionByTaintManager\)\n--- container log \(tail\)\n./,
  );
  assert.ok(fitted.endsWith(logLine(39)));
  assert.match(fitted, /\n\[… \d+ bytes cut …\]\n/);
  assert.ok(!fitted.includes('\uFFFD'), 'no broken character at the cuts');
});

test('an executor failure reaches Temporal with the fitted message', () => {
  const long = `run r1: pod p1 Evicted\n${Array.from({ length: 40 }, (_, i) => logLine(i)).join('\n')}`;
  assert.throws(
    () => asExecutorFailure(new ExecutorError('infrastructure', long), 'TrainInfrastructure'),
    (e: unknown) =>
      e instanceof ApplicationFailure &&
      e.type === 'TrainInfrastructure' &&
      Buffer.byteLength(e.message) <= FAILURE_MESSAGE_BYTES &&
      e.message.startsWith('run r1: pod p1 Evicted\n'),
  );
});

test('the whole failure Temporal stores (message, stack, details) stays under its 4 KiB limit', () => {
  const long = `run r1: pod p1 deleted before it finished (DeletionByTaintManager)\n${Array.from({ length: 60 }, (_, i) => logLine(i)).join('\n')}`;
  const error = new ExecutorError('infrastructure', long, { deviceSeconds: 12.5 });
  try {
    asExecutorFailure(error, 'TrainInfrastructure');
    assert.fail('asExecutorFailure returned');
  } catch (e) {
    const failure = defaultFailureConverter.errorToFailure(e, defaultPayloadConverter);
    const details = failure.applicationFailureInfo?.details?.payloads ?? [];
    const bytes =
      Buffer.byteLength(failure.message ?? '') +
      Buffer.byteLength(failure.stackTrace ?? '') +
      details.reduce((n, p) => n + (p.data?.length ?? 0) + 64, 0) +
      256; // type, flags and the encoding's own bytes
    assert.ok(bytes <= 4096, `${bytes} bytes`);
    assert.match(
      failure.stackTrace ?? '',
      /^ApplicationFailure: run r1: pod p1 deleted before it finished.*\n\s+at /,
    );
  }
});
