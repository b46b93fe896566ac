import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventHubConsumerClient, EventHubProducerClient } from '@azure/event-hubs';
import { afterAll, expect, test } from 'vitest';
import { startEventHubsEmulator } from '../../src/emulator/eventhubs/index.js';
import { collectEvents, greedy, partitionOf } from './eventhubs-helpers.js';

// `dataDir`: the emulator stopped and started again on the same port serves every event with
// the same sequence numbers, offsets and enqueued times, and keeps numbering after them.

const directories: string[] = [];
afterAll(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

type Seen = { n: number; partition: string; sequenceNumber: number; offset: string; enqueued: number; key?: string };

function summarize(events: Awaited<ReturnType<typeof collectEvents>>): Seen[] {
  return events
    .map((event) => ({
      n: (event.body as { n: number }).n,
      partition: partitionOf(event),
      sequenceNumber: event.sequenceNumber,
      offset: event.offset,
      enqueued: event.enqueuedTimeUtc.getTime(),
      ...(event.partitionKey ? { key: event.partitionKey } : {}),
    }))
    .sort((a, b) => a.n - b.n);
}

test('a restart with the same dataDir serves every event with the same sequence numbers', { timeout: 60_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'eh-data-'));
  directories.push(dataDir);
  const config = { hubs: [{ name: 'durable', partitionCount: 3 }] };
  const first = await startEventHubsEmulator({ dataDir, config });
  const port = first.port;
  const producer = new EventHubProducerClient(first.connectionString, 'durable');
  for (let start = 0; start < 3000; start += 500) {
    const batch = await producer.createBatch(start % 1000 === 0 ? { partitionKey: `key-${start}` } : {});
    for (let n = start; n < start + 500; n++) batch.tryAdd({ body: { n }, properties: { n } });
    await producer.sendBatch(batch);
  }
  const consumer = new EventHubConsumerClient('$Default', first.connectionString, 'durable', greedy);
  const before = summarize(await collectEvents(consumer, 3000));
  await producer.close();
  await consumer.close();
  await first.close();

  const second = await startEventHubsEmulator({ dataDir, config, port });
  try {
    expect(second.connectionString).toBe(first.connectionString);
    const consumerAgain = new EventHubConsumerClient('$Default', second.connectionString, 'durable', greedy);
    const after = summarize(await collectEvents(consumerAgain, 3000));
    expect(after).toEqual(before);
    await consumerAgain.close();

    // New events continue the numbering instead of restarting at 0.
    const producerAgain = new EventHubProducerClient(second.connectionString, 'durable');
    const lastBefore = await producerAgain.getPartitionProperties('0');
    const batch = await producerAgain.createBatch({ partitionId: '0' });
    batch.tryAdd({ body: { n: 3000 } });
    await producerAgain.sendBatch(batch);
    const lastAfter = await producerAgain.getPartitionProperties('0');
    expect(lastAfter.lastEnqueuedSequenceNumber).toBe(lastBefore.lastEnqueuedSequenceNumber + 1);
    expect(Number(lastAfter.lastEnqueuedOffset)).toBeGreaterThan(Number(lastBefore.lastEnqueuedOffset));
    await producerAgain.close();
  } finally {
    await second.close();
  }
});
