import { earliestEventPosition, EventHubConsumerClient, EventHubProducerClient, type ReceivedEventData, type Subscription } from '@azure/event-hubs';
import { BlobCheckpointStore } from '@azure/eventhubs-checkpointstore-blob';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../src/emulator/eventhubs/index.js';
import { greedy } from './eventhubs-helpers.js';

// BlobCheckpointStore on the Azurite the emulator starts (`azurite: true`): a consumer that
// checkpoints, stops, and a second one that resumes right after the checkpoint — nothing lost,
// nothing at or before the checkpoint delivered again.

let emulator: RunningEventHubsEmulator;
const HUB = 'orders';

beforeAll(async () => {
  emulator = await startEventHubsEmulator({ azurite: true, config: { hubs: [{ name: HUB, partitionCount: 2 }] } });
});

afterAll(async () => {
  await emulator?.close();
});

async function send(producer: EventHubProducerClient, from: number, count: number): Promise<void> {
  for (const partitionId of ['0', '1']) {
    const batch = await producer.createBatch({ partitionId });
    for (let n = from; n < from + count; n++) if (String(n % 2) === partitionId) batch.tryAdd({ body: { n } });
    await producer.sendBatch(batch);
  }
}

// startPosition applies only where no checkpoint exists yet (the SDK's default is "latest").
const fast = { startPosition: earliestEventPosition, maxBatchSize: 50, maxWaitTimeInSeconds: 1 };
// Claim every partition at once instead of one per 10 s loop.

test('a restarted consumer resumes after its blob checkpoint', { timeout: 45_000 }, async () => {
  const azurite = emulator.info().azurite!;
  expect(azurite.connectionString).toContain('BlobEndpoint=http://127.0.0.1:');
  const containerClient = new ContainerClient(azurite.connectionString, 'checkpoints');
  await containerClient.create();
  const store = new BlobCheckpointStore(containerClient);
  const producer = new EventHubProducerClient(emulator.connectionString, HUB);
  await send(producer, 0, 1000);

  // First consumer: checkpoints after every batch, stops once it has seen 400 events.
  const first: ReceivedEventData[] = [];
  const consumer1 = new EventHubConsumerClient('$Default', emulator.connectionString, HUB, store, greedy);
  let subscription: Subscription | undefined;
  await new Promise<void>((resolve, reject) => {
    subscription = consumer1.subscribe(
      {
        processEvents: async (events, context) => {
          if (events.length === 0 || first.length >= 400) return;
          first.push(...events);
          await context.updateCheckpoint(events.at(-1)!);
          if (first.length >= 400) resolve();
        },
        processError: async (error) => reject(error),
      },
      fast,
    );
  });
  await subscription!.close();
  await consumer1.close();

  const checkpoints = await store.listCheckpoints(producer.fullyQualifiedNamespace, HUB, '$Default');
  const checkpointed = new Map(checkpoints.map((checkpoint) => [checkpoint.partitionId, checkpoint.sequenceNumber]));
  expect(checkpointed.size).toBeGreaterThan(0);
  // The checkpoint blobs are where the store says, with the metadata the SDK wrote.
  const blobs: string[] = [];
  for await (const blob of containerClient.listBlobsFlat({ includeMetadata: true })) blobs.push(blob.name);
  expect(blobs.some((name) => name.endsWith(`/${HUB}/$default/checkpoint/0`) || name.endsWith(`/${HUB}/$default/checkpoint/1`))).toBe(true);

  await send(producer, 1000, 200);

  // Second consumer, same store, no start position: must start right after each checkpoint.
  const expected = new Map<string, number>();
  for (const id of ['0', '1']) {
    const last = (await producer.getPartitionProperties(id)).lastEnqueuedSequenceNumber;
    expected.set(id, last - (checkpointed.get(id) ?? -1));
  }
  const total = [...expected.values()].reduce((sum, count) => sum + count, 0);
  const second = new Map<string, ReceivedEventData[]>([['0', []], ['1', []]]);
  const consumer2 = new EventHubConsumerClient('$Default', emulator.connectionString, HUB, store, greedy);
  await new Promise<void>((resolve, reject) => {
    let seen = 0;
    subscription = consumer2.subscribe(
      {
        processEvents: async (events, context) => {
          second.get(context.partitionId)!.push(...events);
          seen += events.length;
          if (seen >= total) resolve();
        },
        processError: async (error) => reject(error),
      },
      fast,
    );
  });
  await subscription!.close();
  await consumer2.close();
  await producer.close();

  for (const id of ['0', '1']) {
    const events = second.get(id)!;
    const after = checkpointed.get(id) ?? -1;
    expect(events[0]!.sequenceNumber).toBe(after + 1);
    expect(events.map((event) => event.sequenceNumber)).toEqual(events.map((_, index) => after + 1 + index));
    // Everything up to the checkpoint was handled by the first consumer.
    const handled = first.filter((event) => String((event.body as { n: number }).n % 2) === id && event.sequenceNumber <= after);
    expect(handled.map((event) => event.sequenceNumber)).toEqual(Array.from({ length: after + 1 }, (_, index) => index));
  }
  const all = new Set([...first, ...second.get('0')!, ...second.get('1')!].map((event) => (event.body as { n: number }).n));
  expect(all.size).toBe(1200);
});

test('Azurite has Blob CORS rules for browsers', async () => {
  const azurite = emulator.info().azurite!;
  const properties = await BlobServiceClient.fromConnectionString(azurite.connectionString).getProperties();
  expect(properties.cors?.[0]).toMatchObject({ allowedOrigins: '*', allowedHeaders: '*' });
  const preflight = await fetch(`${azurite.blobEndpoint}/checkpoints?restype=container&comp=list`, {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET' },
  });
  expect(preflight.status).toBe(200);
  expect(preflight.headers.get('access-control-allow-origin')).toBeTruthy();
});
