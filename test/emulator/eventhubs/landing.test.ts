import rhea, { type Connection, type Sender } from 'rhea';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/index.js';

// A producer's multi-frame batch is landed in a buffer reused from delivery to delivery
// (src/emulator/eventhubs/landing.ts): every event must still be stored byte for byte, with
// deliveries in flight on two links at once and one after another on the same link.

const BATCH_FORMAT = 0x80013700;
let emulator: RunningEventHubsEmulator;
let connection: Connection;

beforeAll(async () => {
  emulator = await startEventHubsEmulator({ port: 0, config: { hubs: [{ name: 'land', partitionCount: 2 }] } });
  const key = /SharedAccessKey=([^;]+)/.exec(emulator.connectionString)![1]!;
  const container = rhea.create_container({ id: 'landing-test' });
  connection = container.connect({ host: '127.0.0.1', port: emulator.port, reconnect: false, username: 'RootManageSharedAccessKey', password: key } as never);
  connection.on('disconnected', () => {});
  await new Promise((resolve) => connection.once('connection_open', resolve));
});

afterAll(async () => {
  connection?.close();
  await emulator?.close();
});

/** 300 events of 400 bytes (~125 KB, several 64 KB frames), each filled with `mark` and its index. */
function batchOf(mark: number): { encoded: Buffer; events: Buffer[] } {
  const events = Array.from({ length: 300 }, (_, index) => {
    const body = Buffer.alloc(400, mark);
    body.writeUInt16BE(index, 0);
    return rhea.message.encode({ body: rhea.message.data_section(body) }) as Buffer;
  });
  return { encoded: rhea.message.encode({ body: rhea.message.data_sections(events) }) as Buffer, events };
}

function opened(address: string): Promise<Sender> {
  const sender = connection.open_sender({ target: { address } });
  return new Promise((resolve) => sender.once('sendable', () => resolve(sender)));
}

function sendAll(sender: Sender, batches: Buffer[]): Promise<string[]> {
  const outcomes: string[] = [];
  return new Promise((resolve) => {
    const settled = (outcome: string) => {
      outcomes.push(outcome);
      if (outcomes.length === batches.length) resolve(outcomes);
    };
    sender.on('accepted', () => settled('accepted'));
    sender.on('rejected', () => settled('rejected'));
    for (const batch of batches) sender.send(batch as never, undefined, BATCH_FORMAT);
  });
}

test('multi-frame batches on two links, sent back to back, are stored byte for byte', async () => {
  const [first, second] = await Promise.all([opened('land/Partitions/0'), opened('land/Partitions/1')]);
  const marks = [[1, 2, 3], [7, 8, 9]];
  const batches = marks.map((row) => row.map(batchOf));
  const outcomes = await Promise.all([sendAll(first, batches[0]!.map((b) => b.encoded)), sendAll(second, batches[1]!.map((b) => b.encoded))]);
  expect(outcomes).toEqual([
    ['accepted', 'accepted', 'accepted'],
    ['accepted', 'accepted', 'accepted'],
  ]);
  for (const [partition, sent] of batches.entries()) {
    const log = emulator.namespace.hub('land')!.partition(String(partition))!.log;
    const expected = sent.flatMap((batch) => batch.events);
    expect(log.nextSequenceNumber).toBe(expected.length);
    for (const [sequenceNumber, event] of expected.entries()) {
      expect(Buffer.from(log.get(sequenceNumber)!.message).equals(event), `partition ${partition} event ${sequenceNumber}`).toBe(true);
    }
  }
});
