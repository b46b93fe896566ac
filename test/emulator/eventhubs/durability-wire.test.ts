import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventHubConsumerClient, EventHubProducerClient, type EventPosition, type ReceivedEventData } from '@azure/event-hubs';
import { afterAll, expect, test } from 'vitest';
import { startEventHubsEmulator } from '../../../src/emulator/eventhubs/index.js';
import { RECORD_HEADER, SEGMENT_HEADER } from '../../../src/emulator/eventhubs/log/segment-codec.js';

// Issue 10 finding 11 through the official SDK: after a restart over a segment with one damaged
// record (one append: the SDK batch of events 50–59), reads from later numbers deliver those events, and an event sent after the restart
// reaches a reader positioned at its (new, never reused) number.

const directories: string[] = [];
afterAll(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

/** Flips one byte inside the payload of the record (one append: here one SDK batch) holding `sequenceNumber`. */
async function damageRecord(segment: string, sequenceNumber: number): Promise<void> {
  const data = await readFile(segment);
  for (let position = SEGMENT_HEADER.length; position < data.length; position += RECORD_HEADER + data.readUInt32BE(position)) {
    const first = data.readDoubleBE(position + RECORD_HEADER);
    const count = data.readUInt32BE(position + RECORD_HEADER + 24);
    if (first <= sequenceNumber && sequenceNumber < first + count) {
      const inPayload = position + data.readUInt32BE(position); // well past the 37-byte header
      data[inPayload] = data[inPayload]! ^ 0xff;
      await writeFile(segment, data);
      return;
    }
  }
  throw new Error(`no record ${sequenceNumber} in ${segment}`);
}

/** The first `count` events partition 0 delivers from `position`. */
async function readFrom(connectionString: string, position: EventPosition, count: number): Promise<ReceivedEventData[]> {
  const consumer = new EventHubConsumerClient('$Default', connectionString, 'durable');
  const received: ReceivedEventData[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const subscription = consumer.subscribe(
        '0',
        {
          processEvents: async (events) => {
            received.push(...events);
            if (received.length >= count) void subscription.close().then(resolve);
          },
          processError: async (error) => reject(error),
        },
        { startPosition: position, maxWaitTimeInSeconds: 1 },
      );
    });
  } finally {
    await consumer.close();
  }
  return received.slice(0, count);
}

test('after a restart over a damaged record, later numbers are read and a new event reaches a reader at its number', { timeout: 60_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'eh-wire-durable-'));
  directories.push(dataDir);
  const config = { hubs: [{ name: 'durable', partitionCount: 1 }] };
  const lines: string[] = [];
  const first = await startEventHubsEmulator({ dataDir, config });
  const producer = new EventHubProducerClient(first.connectionString, 'durable');
  for (let start = 0; start < 100; start += 10) {
    const batch = await producer.createBatch({ partitionId: '0' });
    for (let n = start; n < start + 10; n++) batch.tryAdd({ body: { n } });
    await producer.sendBatch(batch);
  }
  await producer.close();
  await first.close();
  const [segment] = await readdir(join(dataDir, 'durable', '0'));
  await damageRecord(join(dataDir, 'durable', '0', segment!), 50);

  const second = await startEventHubsEmulator({ dataDir, config, port: first.port, log: (line) => lines.push(line) });
  try {
    expect(lines.join('\n')).toMatch(/after #49 up to before #60/);
    const fromLater = await readFrom(second.connectionString, { sequenceNumber: 90, isInclusive: true }, 10);
    expect(fromLater.map((event) => [event.sequenceNumber, (event.body as { n: number }).n])).toEqual(
      Array.from({ length: 10 }, (_, i) => [90 + i, 90 + i]),
    );
    const acrossTheGap = await readFrom(second.connectionString, { sequenceNumber: 49 }, 2);
    expect(acrossTheGap.map((event) => event.sequenceNumber)).toEqual([60, 61]);

    const producerAgain = new EventHubProducerClient(second.connectionString, 'durable');
    await producerAgain.sendBatch([{ body: { n: 'after-restart' } }], { partitionId: '0' });
    const properties = await producerAgain.getPartitionProperties('0');
    await producerAgain.close();
    expect(properties.lastEnqueuedSequenceNumber).toBe(100); // past the highest ever written, not a reused 50–59
    const [fresh] = await readFrom(second.connectionString, { sequenceNumber: 100, isInclusive: true }, 1);
    expect(fresh!.sequenceNumber).toBe(100);
    expect(fresh!.body).toEqual({ n: 'after-restart' });
  } finally {
    await second.close();
  }
});
