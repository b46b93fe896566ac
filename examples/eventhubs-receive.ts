// The Event Hubs Python quickstart's recv.py in TypeScript: receive with a blob checkpoint store and
// update the checkpoint after each batch. Against real Azure set EVENTHUB_CONNECTION_STRING,
// EVENTHUB_NAME, BLOB_STORAGE_CONNECTION_STRING and BLOB_CONTAINER_NAME; with none set it starts the
// emulator with Azurite in-process, sends three events, and receives them twice over to show that
// the second consumer resumes after the checkpoint.
//   npx esbuild examples/eventhubs-receive.ts --bundle --platform=node --format=esm --packages=external --outfile=test-output/examples/eventhubs-receive.mjs
//   node test-output/examples/eventhubs-receive.mjs
import { EventHubConsumerClient, EventHubProducerClient, earliestEventPosition } from '@azure/event-hubs';
import { BlobCheckpointStore } from '@azure/eventhubs-checkpointstore-blob';
import { ContainerClient } from '@azure/storage-blob';
import { startEventHubsEmulator } from 'azure-realtime/emulator';

const offline = !process.env.EVENTHUB_CONNECTION_STRING;
const emulator = offline ? await startEventHubsEmulator({ port: 0, azurite: true }) : undefined;
const connectionString = process.env.EVENTHUB_CONNECTION_STRING ?? emulator!.connectionString;
const eventHubName = process.env.EVENTHUB_NAME ?? 'eh1';
const storageConnectionString = process.env.BLOB_STORAGE_CONNECTION_STRING ?? (emulator!.info().azurite as { connectionString: string }).connectionString;
const containerName = process.env.BLOB_CONTAINER_NAME ?? 'checkpoints';

if (offline) {
  const producer = new EventHubProducerClient(connectionString, eventHubName);
  const batch = await producer.createBatch({ partitionId: '0' });
  for (const body of ['First event ', 'Second event', 'Third event']) batch.tryAdd({ body });
  await producer.sendBatch(batch);
  await producer.close();
}

// checkpoint_store = BlobCheckpointStore.from_connection_string(BLOB_STORAGE_CONNECTION_STRING, BLOB_CONTAINER_NAME)
const container = new ContainerClient(storageConnectionString, containerName);
await container.createIfNotExists();
const checkpointStore = new BlobCheckpointStore(container);

// Stops after `quietMs` without events once something arrived, or after `maxWaitMs` in all.
async function receiveOnce(label: string, quietMs: number, maxWaitMs = 15_000): Promise<number> {
  // client = EventHubConsumerClient.from_connection_string(..., consumer_group="$Default", checkpoint_store=...)
  // Greedy claiming on a short loop so one consumer owns every partition within a second (the
  // SDK's default loop claims one partition every 10 s); these are client options, not subscribe's.
  const client = new EventHubConsumerClient('$Default', connectionString, eventHubName, checkpointStore, {
    loadBalancingOptions: { strategy: 'greedy', updateIntervalInMs: 250 },
  });
  let count = 0;
  const started = Date.now();
  let lastEvent = 0;
  // await client.receive(on_event=on_event, starting_position="-1")
  const subscription = client.subscribe(
    {
      processEvents: async (events, context) => {
        for (const event of events) {
          count++;
          lastEvent = Date.now();
          console.log(`${label}: received "${event.body}" from partition ${context.partitionId}, sequence ${event.sequenceNumber}`);
        }
        // await partition_context.update_checkpoint(event)
        if (events.length > 0) await context.updateCheckpoint(events[events.length - 1]!);
      },
      processError: async (error) => console.error(`${label}: ${error.message}`),
    },
    { startPosition: earliestEventPosition },
  );
  const waiting = () => (lastEvent === 0 ? Date.now() - started < maxWaitMs : Date.now() - lastEvent < quietMs);
  while (waiting()) await new Promise((resolve) => setTimeout(resolve, 200));
  await subscription.close();
  await client.close();
  return count;
}

try {
  const first = await receiveOnce('first consumer', 1500);
  const second = offline ? await receiveOnce('second consumer (resumes after the checkpoint)', 1500, 5000) : 0;
  console.log(`first consumer received ${first} events; the second ${second}`);
} finally {
  await emulator?.close();
}
