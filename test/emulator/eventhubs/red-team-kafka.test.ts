import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/index.js';
import { crc32c, decodeBatches, encodeBatch, RecordBatchError } from '../../../src/emulator/eventhubs/kafka/records.js';
import { RawClient } from './kafka-raw-client.js';

// Hostile input on the Kafka endpoint that got past the first round of hardening (issue 10).

let emulator: RunningEventHubsEmulator;
let port: number;
beforeAll(async () => {
  // Default limits: what `azure-realtime emulator --kafka-port` serves.
  emulator = await startEventHubsEmulator({ config: { hubs: [{ name: 'orders', partitionCount: 2 }] }, kafkaPort: 0 });
  port = Number(emulator.info().kafka!.bootstrapServers.split(':').at(-1));
});
afterAll(async () => {
  await emulator?.close();
});

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

test('by default a request above the service\'s 1,046,528 bytes closes the connection before it is parsed', async () => {
  // With Kafka's 100 MiB, one 90 MB DescribeGroups of empty ids (2 bytes each, 18 in the answer)
  // held the event loop for over a minute at 1.6 GB RSS.
  const client = await RawClient.open(port);
  expect(await client.login('$ConnectionString', emulator.connectionString)).toBe(0);
  // The emulator closes while this is still being written: a reset, not an unhandled error.
  (client as unknown as { socket: Socket }).socket.on('error', () => undefined);
  const ids = 1_046_528 / 2;
  client.send(15, 0, (w) => w.int32(ids).raw(Buffer.alloc(ids * 2)));
  expect(await client.response()).toBeUndefined();
  const fresh = await RawClient.open(port);
  expect(await fresh.login('$ConnectionString', emulator.connectionString)).toBe(0);
  fresh.close();
});
