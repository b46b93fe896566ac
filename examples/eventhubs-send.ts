// The Event Hubs Python quickstart's send.py in TypeScript: create a batch, add three events, send it.
// Against real Azure: EVENTHUB_CONNECTION_STRING="Endpoint=sb://…" EVENTHUB_NAME=… ; with neither
// set it starts the emulator in-process, so the example runs offline.
//   npx esbuild examples/eventhubs-send.ts --bundle --platform=node --format=esm --packages=external --outfile=test-output/examples/eventhubs-send.mjs
//   node test-output/examples/eventhubs-send.mjs
import { EventHubProducerClient } from '@azure/event-hubs';
import { startEventHubsEmulator } from 'azure-realtime/emulator';

const emulator = process.env.EVENTHUB_CONNECTION_STRING ? undefined : await startEventHubsEmulator({ port: 0 });
const connectionString = process.env.EVENTHUB_CONNECTION_STRING ?? emulator!.connectionString;
const eventHubName = process.env.EVENTHUB_NAME ?? 'eh1';

// producer = EventHubProducerClient.from_connection_string(conn_str=..., eventhub_name=...)
const producer = new EventHubProducerClient(connectionString, eventHubName);
try {
  // event_data_batch = await producer.create_batch()
  const batch = await producer.createBatch();
  // event_data_batch.add(EventData("First event ")) … ("Third event")
  for (const body of ['First event ', 'Second event', 'Third event']) {
    if (!batch.tryAdd({ body })) throw new Error(`"${body}" does not fit in the batch`);
  }
  // await producer.send_batch(event_data_batch)
  await producer.sendBatch(batch);
  console.log(`sent a batch of ${batch.count} events to ${eventHubName}`);
  const properties = await producer.getEventHubProperties();
  for (const id of properties.partitionIds) {
    const partition = await producer.getPartitionProperties(id);
    console.log(`partition ${id}: last sequence number ${partition.lastEnqueuedSequenceNumber}`);
  }
} finally {
  await producer.close();
  await emulator?.close();
}
