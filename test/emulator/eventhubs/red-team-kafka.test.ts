import { gzipSync } from 'node:zlib';
import { expect, test } from 'vitest';
import { crc32c, decodeBatches, encodeBatch, RecordBatchError } from '../../../src/emulator/eventhubs/kafka/records.js';

// Hostile input on the Kafka endpoint that got past the first round of hardening (issue 10).

/** `batch` with its records section replaced by gzip of the original, CRC recomputed. */
function gzipped(batch: Buffer): Buffer {
  const out = Buffer.concat([batch.subarray(0, 61), gzipSync(batch.subarray(61))]);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt16BE(1, 21);
  out.writeUInt32BE(crc32c(out.subarray(21)), 17);
  return out;
}

test('the gzip bound covers all the batches of one records field together, not each batch', () => {
  // 8 batches of ~5 KB each once inflated: each fits a 20 KB bound, together they do not. With a
  // per-batch bound, 250 of these 4 KB bombs in a 1 MiB produce held 1.1 GB at once.
  const one = gzipped(encodeBatch(0, [{ key: null, value: Buffer.alloc(5000), headers: [], timestamp: 1 }]));
  expect(decodeBatches(one, 20_000)).toHaveLength(1);
  const many = Buffer.concat(Array.from({ length: 8 }, () => one));
  expect(() => decodeBatches(many, 20_000)).toThrow(RecordBatchError);
  expect(() => decodeBatches(many, 20_000)).toThrow(/inflated within 20000 bytes/);
});
