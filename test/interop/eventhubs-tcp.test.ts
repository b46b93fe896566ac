import { EventHubBufferedProducerClient, EventHubConsumerClient, EventHubProducerClient, type ReceivedEventData } from '@azure/event-hubs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../src/emulator/eventhubs/index.js';
// The SDK's client-side key → partition mapper (used by EventHubBufferedProducerClient).
import { mapPartitionKeyToId } from '../../node_modules/@azure/event-hubs/dist/esm/impl/partitionKeyToIdMapper.js';
import { checkDelivery, collectEvents, EVENT_COUNT, greedy, partitionOf, sendMixedWorkload } from './eventhubs-helpers.js';

// @azure/event-hubs 6 over AMQP/TCP against the emulator: 10,000 events in batches (round-robin,
// partition keys, explicit partitions), one subscribe receiving all of them, and the
// $management READ operations.

let emulator: RunningEventHubsEmulator;

beforeAll(async () => {
  emulator = await startEventHubsEmulator({
    config: { hubs: [{ name: 'telemetry', partitionCount: 4, consumerGroups: ['dashboard'] }, { name: 'other', partitionCount: 2 }] },
  });
});

afterAll(async () => {
  await emulator?.close();
});

describe('@azure/event-hubs over TCP', () => {
  test('10,000 events in batches reach one subscriber, in order per partition', { timeout: 60_000 }, async () => {
    const producer = new EventHubProducerClient(emulator.connectionString, 'telemetry');
    const consumer = new EventHubConsumerClient('Dashboard', emulator.connectionString, 'telemetry', greedy);
    try {
      const partitionIds = await producer.getPartitionIds();
      expect(partitionIds).toEqual(['0', '1', '2', '3']);
      const sent = await sendMixedWorkload(producer, partitionIds);
      const received = await collectEvents(consumer, EVENT_COUNT);
      const byPartition = checkDelivery(sent, received);

      // Round-robin spreads unkeyed sends over every partition.
      const roundRobinPartitions = new Set(received.filter((e) => (e.body as { kind: string }).kind === 'round-robin').map(partitionOf));
      expect(roundRobinPartitions.size).toBe(4);
      // A key always lands where the SDK's own client-side mapper would put it.
      for (const event of received.filter((e) => (e.body as { kind: string }).kind === 'keyed')) {
        expect(event.partitionKey).toMatch(/^device-\d+$/);
        expect(partitionOf(event)).toBe(String(mapPartitionKeyToId(event.partitionKey!, 4)));
      }
      // Service annotations arrive with the SDK's types; application properties pass through.
      const sample = received[0]!;
      expect(typeof sample.offset).toBe('string');
      expect(sample.enqueuedTimeUtc).toBeInstanceOf(Date);
      expect(sample.properties).toEqual({ n: (sample.body as { n: number }).n, kind: (sample.body as { kind: string }).kind });
      expect(typeof (sample.body as { order: number }).order).toBe('number');

      for (const id of partitionIds) {
        const info = await producer.getPartitionProperties(id);
        const events = byPartition.get(id)!;
        expect(info).toMatchObject({
          eventHubName: 'telemetry',
          partitionId: id,
          beginningSequenceNumber: 0,
          lastEnqueuedSequenceNumber: events.length - 1,
          lastEnqueuedOffset: events.at(-1)!.offset,
          isEmpty: false,
        });
        expect(info.lastEnqueuedOnUtc.getTime()).toBe(events.at(-1)!.enqueuedTimeUtc.getTime());
      }
    } finally {
      await producer.close();
      await consumer.close();
    }
  });

  test('getEventHubProperties and getPartitionProperties of an empty hub', async () => {
    const producer = new EventHubProducerClient(emulator.connectionString, 'other');
    try {
      const hub = await producer.getEventHubProperties();
      expect(hub).toMatchObject({ name: 'other', partitionIds: ['0', '1'], isGeoDrEnabled: false });
      expect(hub.createdOn).toBeInstanceOf(Date);
      const partition = await producer.getPartitionProperties('1');
      expect(partition).toMatchObject({ eventHubName: 'other', partitionId: '1', isEmpty: true, lastEnqueuedSequenceNumber: -1 });
    } finally {
      await producer.close();
    }
  });

  test('a receiver with trackLastEnqueuedEventProperties sees the partition runtime metrics', async () => {
    const producer = new EventHubProducerClient(emulator.connectionString, 'other');
    const consumer = new EventHubConsumerClient('$default', emulator.connectionString, 'other');
    try {
      const batch = await producer.createBatch({ partitionId: '0' });
      for (let n = 0; n < 3; n++) batch.tryAdd({ body: `metric-${n}` });
      await producer.sendBatch(batch);
      let last: unknown;
      await new Promise<void>((resolve, reject) => {
        const subscription = consumer.subscribe(
          '0',
          {
            processEvents: async (events, context) => {
              if (events.length === 0) return;
              last = context.lastEnqueuedEventProperties;
              await subscription.close();
              resolve();
            },
            processError: async (error) => reject(error),
          },
          { startPosition: { sequenceNumber: 0, isInclusive: true }, trackLastEnqueuedEventProperties: true, maxWaitTimeInSeconds: 1 },
        );
      });
      expect(last).toMatchObject({ sequenceNumber: 2 });
      expect((last as { enqueuedOn: Date }).enqueuedOn).toBeInstanceOf(Date);
    } finally {
      await producer.close();
      await consumer.close();
    }
  });

  test('EventHubBufferedProducerClient with enableIdempotentRetries gets its producer id and numbers its events from 0', async () => {
    const reader = new EventHubProducerClient(emulator.connectionString, 'other');
    const before = await reader.getPartitionProperties('1');
    await reader.close();
    let sent = 0;
    const buffered = new EventHubBufferedProducerClient(emulator.connectionString, 'other', {
      enableIdempotentRetries: true,
      maxWaitTimeInMs: 50,
      onSendEventsErrorHandler: () => {},
      onSendEventsSuccessHandler: (context) => {
        sent += context.events.length;
      },
    });
    for (let n = 0; n < 5; n++) await buffered.enqueueEvent({ body: `idempotent-${n}` }, { partitionId: '1' });
    await buffered.flush();
    await buffered.close();
    expect(sent).toBe(5);

    const consumer = new EventHubConsumerClient('$Default', emulator.connectionString, 'other');
    const events = await new Promise<ReceivedEventData[]>((resolve, reject) => {
      const subscription = consumer.subscribe(
        '1',
        {
          processEvents: async (batch) => {
            if (batch.length === 0) return;
            await subscription.close();
            resolve(batch);
          },
          processError: async (error) => reject(error),
        },
        { startPosition: { sequenceNumber: before.lastEnqueuedSequenceNumber, isInclusive: false }, maxBatchSize: 5, maxWaitTimeInSeconds: 2 },
      );
    });
    await consumer.close();
    expect(events.map((event) => event.body)).toEqual([0, 1, 2, 3, 4].map((n) => `idempotent-${n}`));
    expect(events.map((event) => event.systemProperties?.['com.microsoft:producer-sequence-number'])).toEqual([0, 1, 2, 3, 4]);
    expect(typeof events[0]!.systemProperties?.['com.microsoft:producer-id']).toBe('number');
  });
});
