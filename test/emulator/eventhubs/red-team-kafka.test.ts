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

test('an answer that would pass 64 MiB closes that connection instead of being built', async () => {
  // A 4 KB DescribeGroups naming one group 2,000 times, its member holding 500 KB of metadata,
  // was answered with 1 GB (2 GB RSS); 10,000 times would have ended the process.
  const { KafkaAnswerTooLarge, KafkaWriter, MAX_ANSWER_BYTES } = await import('../../../src/emulator/eventhubs/kafka/codec.js');
  expect(() => new KafkaWriter().raw(Buffer.alloc(MAX_ANSWER_BYTES + 1))).toThrow(KafkaAnswerTooLarge);
  const member = await RawClient.open(port);
  expect(await member.login('$ConnectionString', emulator.connectionString)).toBe(0);
  member.send(11, 1, (w) => w.string('big', false).int32(60_000).int32(1000).string('', false).string('consumer', false).array([0], false, (p) => p.string('range', false).nullableBytes(Buffer.alloc(500_000), false)));
  const joined = (await member.response())!;
  joined.int32();
  expect(joined.int16()).toBe(0);
  const describer = await RawClient.open(port);
  expect(await describer.login('$ConnectionString', emulator.connectionString)).toBe(0);
  describer.send(15, 0, (w) => w.array(Array.from({ length: 200 }, () => 'big'), false, (e, id) => e.string(id, false), false));
  expect(await describer.response()).toBeUndefined();
  // Only that connection: the member's is still served.
  member.send(18, 0, () => undefined);
  expect(await member.response()).toBeDefined();
  member.close();
});
