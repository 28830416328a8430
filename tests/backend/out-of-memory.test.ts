/**
 * How each backend says it could not allocate a tensor, and netgrow reading it: the real errors
 * of TensorFlow (tfjs-node) and of the guarded wasm heap, provoked by the trainer's test seam,
 * and the messages of the graph engine and CUDA as they are written.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startBackends, switchBackend } from '../../src/backend';
import { loadNative } from '../../src/backend/native';
import {
  outOfMemoryAbove,
  outOfMemoryKind,
  TEST_OOM_ENV,
  WasmOutOfMemoryError,
} from '../../src/backend/out-of-memory';
import { tf } from '../../src/backend/tf';
import { UsageError } from '../../src/contracts/errors';
import { skipWhen } from '../support/skip';

const native = loadNative();

/** What the seam throws on the active backend for a batch of `rows` over a limit of 16. */
function provoked(rows: number): unknown {
  try {
    outOfMemoryAbove({ [TEST_OOM_ENV]: '16' })!(rows);
    return null;
  } catch (e) {
    return e;
  }
}

describe('the backends’ own out-of-memory errors', () => {
  test('wasm: a heap that cannot hold the tensor is a WasmOutOfMemory error, and the backend goes on', async () => {
    await startBackends(['wasm']);
    await switchBackend('wasm');
    assert.equal(provoked(16), null, 'a batch within the limit allocates nothing');
    const e = provoked(17);
    assert.ok(e instanceof WasmOutOfMemoryError, String(e));
    assert.match(e.message, /^wasm backend: out of memory: cannot allocate \d+ bytes/);
    assert.equal(outOfMemoryKind(e), 'wasm heap exhausted');
    assert.deepEqual(Array.from(await tf.fill([2], 3).data()), [3, 3]);
  });

  test(
    'tensorflow: ResourceExhausted (TF_Status 8) "OOM when allocating tensor"',
    { skip: skipWhen('no-native', 'why' in native ? native.why : null) },
    async () => {
      await startBackends(['tensorflow']);
      await switchBackend('tensorflow');
      const e = provoked(64) as Error;
      assert.match(
        e.message,
        /^Invalid TF_Status: 8\nMessage: OOM when allocating tensor with shape\[16384,16384,16384\]/,
      );
      assert.equal(outOfMemoryKind(e), 'TensorFlow ResourceExhausted');
    },
  );
});

test('the messages of the graph engine, CUDA and V8; other errors are not out of memory', () => {
  const kind = (message: string, cause?: Error) => outOfMemoryKind(new Error(message, { cause }));
  assert.equal(
    kind(
      'graph engine: run: OOM when allocating tensor with shape[512,64,32,32] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc',
    ),
    'TensorFlow ResourceExhausted',
  );
  assert.equal(
    kind('failed to alloc 8589934592 bytes on host: CUDA_ERROR_OUT_OF_MEMORY: out of memory'),
    'CUDA out of memory',
  );
  assert.equal(kind('CUDNN_STATUS_ALLOC_FAILED'), 'CUDA out of memory');
  assert.equal(
    kind('step 3', new Error('RESOURCE_EXHAUSTED: ran out of memory')),
    'TensorFlow ResourceExhausted',
  );
  // What `netgrow train` on the wasm backend meets from the seam: tfjs fills on the JS side.
  assert.equal(kind('Invalid typed array length: 4398046511104'), 'JavaScript array buffer');
  assert.equal(kind('Array buffer allocation failed'), 'JavaScript array buffer');
  assert.equal(kind('Invalid TF_Status: 3\nMessage: Incompatible shapes: [32,10] vs. [16,10]'), null);
  assert.equal(kind('disk full'), null);
  assert.equal(outOfMemoryKind('OOM when allocating tensor'), null, 'not an Error');
});

test('the seam: unset does nothing; a value that is no row count is bad input', () => {
  assert.equal(outOfMemoryAbove({}), null);
  assert.throws(() => outOfMemoryAbove({ [TEST_OOM_ENV]: 'half' }), UsageError);
});
