import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c, decodeRecords, encodeRecord, LogError, maskCrc32c } from '../../src/log';

const unmask = (masked: number): number => {
  const rot = (masked - 0xa282ead8) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
};

test('crc32c matches the standard check value and the RFC 3720 vectors', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(new Uint8Array()), 0);
});

test('the mask is TensorFlow`s: rotate right 15, add 0xa282ead8, and it inverts', () => {
  for (const crc of [0, 1, 0xe3069283, 0xffffffff, 0x80000000]) {
    const masked = maskCrc32c(crc);
    assert.equal(masked, (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0);
    assert.equal(unmask(masked), crc);
  }
  assert.notEqual(maskCrc32c(0xe3069283), 0xe3069283);
});

test('TFRecord framing round-trips and names the damaged record', () => {
  const payloads = [new Uint8Array(), Buffer.from('hello'), new Uint8Array(1000).fill(7)];
  const stream = Buffer.concat(payloads.map(encodeRecord));
  assert.equal(
    stream.length,
    payloads.reduce((a, p) => a + p.length + 16, 0),
  );
  const { records, tornBytes } = decodeRecords(stream);
  assert.deepEqual(
    records.map((r) => Buffer.from(r)),
    payloads.map((p) => Buffer.from(p)),
  );
  assert.equal(tornBytes, 0);

  // A writer that died mid-record leaves a tail that is reported, not misread.
  assert.equal(decodeRecords(stream.subarray(0, stream.length - 5)).records.length, 2);
  assert.equal(decodeRecords(stream.subarray(0, stream.length - 5)).tornBytes, 1016 - 5);

  const flipped = Buffer.from(stream);
  flipped[16 + 12 + 2] ^= 1; // inside 'hello'
  assert.throws(
    () => decodeRecords(flipped, 'run/events'),
    (e: unknown) => {
      assert.ok(e instanceof LogError);
      assert.match(e.message, /run\/events: data checksum mismatch in the record at byte 16/);
      return true;
    },
  );
  const badLength = Buffer.from(stream);
  badLength[0] ^= 1;
  assert.throws(() => decodeRecords(badLength), /length checksum mismatch at byte 0/);
});
