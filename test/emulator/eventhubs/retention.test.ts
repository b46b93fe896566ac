import { EventHubConsumerClient, EventHubProducerClient, type ReceivedEventData } from '@azure/event-hubs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/index.js';

// Retention as the SDK sees it: expired events are gone for readers, the partition properties
// move "begin" forward, and numbering continues.

let emulator: RunningEventHubsEmulator;

beforeAll(async () => {
  emulator = await startEventHubsEmulator({ config: { hubs: [{ name: 'short', partitionCount: 1, retentionHours: 1 }] } });
});

afterAll(async () => {
  await emulator?.close();
});

test('events past retentionHours disappear; numbering continues', async () => {
  const producer = new EventHubProducerClient(emulator.connectionString, 'short');
  await producer.sendBatch([{ body: 'old-0' }, { body: 'old-1' }, { body: 'old-2' }], { partitionId: '0' });
  // Run the retention pass as it would run two hours from now.
  expect(emulator.namespace.enforceRetention(Date.now() + 2 * 3_600_000)).toBe(3);
  const emptied = await producer.getPartitionProperties('0');
  expect(emptied).toMatchObject({ isEmpty: true, beginningSequenceNumber: 3, lastEnqueuedSequenceNumber: 2 });

  await producer.sendBatch([{ body: 'new-3' }], { partitionId: '0' });
  const consumer = new EventHubConsumerClient('$Default', emulator.connectionString, 'short');
  const events = await new Promise<ReceivedEventData[]>((resolve, reject) => {
    const subscription = consumer.subscribe(
      '0',
      {
        processEvents: async (batch) => {
          if (batch.length === 0) return;
          await subscription.close();
          resolve(batch);
        },
        processError: async (error) => reject(error),
      },
      { startPosition: { sequenceNumber: 0, isInclusive: true }, maxWaitTimeInSeconds: 1 },
    );
  });
  expect(events.map((event) => [event.sequenceNumber, event.body])).toEqual([[3, 'new-3']]);
  await consumer.close();
  await producer.close();
});
