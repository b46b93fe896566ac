import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/server.js';
import { AMQP_HEADER, attach, begin, flow, open, rawClient, retainedBytes, type RawClient } from './raw-amqp.js';

// Issue 10 #7: receivers that grant large credit and never read must not each make the emulator
// hold a copy of the partition; a reader that resumes still gets every event.

const EVENT_BYTES = 60_000;
const EVENTS = 400; // 24 MB in the partition
const BOUND = 256 * 1024;
let emulator: RunningEventHubsEmulator;

beforeAll(async () => {
  emulator = await startEventHubsEmulator({ acceptAnyToken: true, limits: { maxOutboundBytesPerConnection: BOUND } });
  const header = Buffer.from([0x00, 0x53, 0x75, 0xb0, 0, 0, 0, 0]);
  header.writeUInt32BE(EVENT_BYTES, 4);
  const partition = emulator.namespace.hub('eh1')!.partition('0')!;
  for (let index = 0; index < EVENTS; index++) partition.append([{ message: Buffer.concat([header, Buffer.alloc(EVENT_BYTES, index & 0xff)]) }]);
});
afterAll(() => emulator.close());

async function stalledReceiver(): Promise<RawClient> {
  const client = await rawClient(emulator.port);
  client.socket.write(Buffer.concat([AMQP_HEADER, open(), begin(), attach('reader', 0, 'receiver', 'eh1/ConsumerGroups/$default/Partitions/0'), flow(0, 100_000)]));
  client.socket.pause();
  return client;
}

test('five receivers that never read cost O(bound) each, and a resumed one receives every event', async () => {
  const before = await retainedBytes();
  const receivers = await Promise.all(Array.from({ length: 5 }, () => stalledReceiver()));
  // Long enough for an unbounded emulator to encode all 5 × 24 MB; a bounded one stops at once.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const grown = (await retainedBytes()) - before;
  expect(grown).toBeLessThan(5 * (BOUND + 2 * EVENT_BYTES) + 4 * 1024 * 1024);

  const reader = receivers[0]!;
  reader.socket.resume();
  await new Promise<void>((resolve) => {
    const check = () => (reader.received().length >= EVENTS * EVENT_BYTES ? resolve() : setTimeout(check, 50));
    check();
  });
  expect(reader.received().length).toBeGreaterThanOrEqual(EVENTS * EVENT_BYTES);
  for (const receiver of receivers) receiver.socket.destroy();
});
