import { gzipSync } from 'node:zlib';
import { expect, test } from 'vitest';
import { KafkaDecodeError, KafkaReader, KafkaWriter } from '../../../src/emulator/eventhubs/kafka/codec.js';
import { crc32c, decodeBatches, encodeBatch, RecordBatchError } from '../../../src/emulator/eventhubs/kafka/records.js';

// The Kafka wire codec and RecordBatch v2 on their own: growth, bounds, CRC-32C, gzip.

test('the writer keeps every byte when it grows mid-write', () => {
  const writer = new KafkaWriter(4);
  const blob = Buffer.alloc(100, 7);
  writer.int32(1).nullableBytes(blob, false).int64(2 ** 40).string('héllo', true).unsignedVarint(300).varint(-5);
  const reader = new KafkaReader(writer.finish());
  expect(reader.int32()).toBe(1);
  expect(reader.nullableBytes(false)).toEqual(blob);
  expect(reader.int64()).toBe(2 ** 40);
  expect(reader.string(true)).toBe('héllo');
  expect(reader.unsignedVarint()).toBe(300);
  expect(reader.varint()).toBe(-5);
  expect(reader.remaining()).toBe(0);
});

test('array counts and lengths are checked against the bytes left before allocating', () => {
  const hugeArray = new KafkaWriter().int32(0x7fffffff).finish();
  expect(() => new KafkaReader(hugeArray).array(false, (r) => r.int32(), 4)).toThrow(KafkaDecodeError);
  const hugeString = new KafkaWriter().int16(1000).raw(Buffer.from('short')).finish();
  expect(() => new KafkaReader(hugeString).string(false)).toThrow(KafkaDecodeError);
  const endlessVarint = Buffer.alloc(10, 0xff);
  expect(() => new KafkaReader(endlessVarint).unsignedVarint()).toThrow(KafkaDecodeError);
  const manyTags = new KafkaWriter().unsignedVarint(1_000_000).finish();
  expect(() => new KafkaReader(manyTags).skipTaggedFields()).toThrow(KafkaDecodeError);
});

test('CRC-32C matches the standard check value', () => {
  expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
});

test('record batches round-trip, and a flipped bit fails the CRC', () => {
  const records = [
    { key: Buffer.from('k'), value: Buffer.from('v1'), headers: [{ key: 'h', value: Buffer.from('x') }], timestamp: 1_700_000_000_000 },
    { key: null, value: null, headers: [], timestamp: 1_700_000_000_005 },
  ];
  const batch = encodeBatch(42, records);
  const [decoded] = decodeBatches(batch, 1 << 20);
  expect(decoded!.baseOffset).toBe(42);
  expect(decoded!.records).toEqual(records);
  const damaged = Buffer.from(batch);
  damaged[damaged.length - 3]! ^= 0x01;
  expect(() => decodeBatches(damaged, 1 << 20)).toThrow(RecordBatchError);
});

function withCompression(batch: Buffer, codec: number, body: Buffer): Buffer {
  const header = Buffer.from(batch.subarray(0, 61));
  const out = Buffer.concat([header, body]);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt16BE(codec, 21);
  out.writeUInt32BE(crc32c(out.subarray(21)), 17);
  return out;
}

test('gzip batches are inflated within a bound; other codecs are UNSUPPORTED_COMPRESSION_TYPE', () => {
  const plain = encodeBatch(0, [{ key: null, value: Buffer.alloc(5000, 1), headers: [], timestamp: 1 }]);
  const gzip = withCompression(plain, 1, gzipSync(plain.subarray(61)));
  expect(decodeBatches(gzip, 1 << 20)[0]!.records[0]!.value).toEqual(Buffer.alloc(5000, 1));
  expect(() => decodeBatches(gzip, 1000)).toThrow(/inflated within 1000 bytes/);
  const snappy = withCompression(plain, 2, plain.subarray(61));
  expect(() => decodeBatches(snappy, 1 << 20)).toThrow(expect.objectContaining({ errorCode: 76 }));
});

test('int64 values beyond the range (a double rounding int64 max up) are clamped, not thrown', () => {
  const reader = new KafkaReader(new KafkaWriter().int64(2 ** 63).int64(-(2 ** 63) * 2).finish());
  expect(reader.buffer.readBigInt64BE(0)).toBe(0x7fffffffffffffffn);
  expect(reader.buffer.readBigInt64BE(8)).toBe(-0x8000000000000000n);
});

test('fetched events go out as one batch per run of consecutive offsets, within the counted size', async () => {
  const { RecordRuns } = await import('../../../src/emulator/eventhubs/kafka/fetch-records.js');
  const { recordToEvent } = await import('../../../src/emulator/eventhubs/kafka/amqp-mapping.js');
  const event = (sequenceNumber: number, value: string) => ({
    ...recordToEvent({ key: Buffer.from('k'), value: Buffer.from(value), headers: [{ key: 'h', value: Buffer.from('v') }], timestamp: 0 }),
    sequenceNumber,
    offset: sequenceNumber * 100,
    enqueuedTime: 1_700_000_000_000 + sequenceNumber,
  });
  const runs = new RecordRuns();
  for (const e of [event(4, 'a'), event(5, 'b'), event(7, 'c')]) runs.add(e);
  const batches = runs.encode();
  expect(batches).toHaveLength(2);
  expect(batches.reduce((sum, batch) => sum + batch.length, 0)).toBeLessThanOrEqual(runs.bytes);
  const decoded = batches.flatMap((batch) => decodeBatches(batch, 1 << 20));
  expect(decoded.map((b) => [b.baseOffset, b.records.map((r) => r.value!.toString())])).toEqual([
    [4, ['a', 'b']],
    [7, ['c']],
  ]);
  expect(decoded[0]!.records[1]!.timestamp).toBe(1_700_000_000_005);
  expect(decoded[0]!.records[0]!.headers).toEqual([{ key: 'h', value: Buffer.from('v') }]);
});

test('connection log lines are rate-limited, with the count of those left out', async () => {
  const { rateLimitedLog } = await import('../../../src/emulator/eventhubs/kafka/log-limit.js');
  const lines: string[] = [];
  let time = 10_000;
  const log = rateLimitedLog((line) => lines.push(line), 3, () => time);
  for (let i = 0; i < 10; i++) log(`closed ${i}`);
  time += 1000;
  log('later');
  expect(lines).toEqual(['closed 0', 'closed 1', 'closed 2', 'eventhubs kafka: suppressed 7 log line(s) (over 3/s)', 'later']);
});
