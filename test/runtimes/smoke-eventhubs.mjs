// Event Hubs checks run inside each runtime against a real Event Hubs emulator (started in Node by
// scripts/smoke-runtimes.mjs, which passes its connection string): the official clients built by
// 'azure-realtime/eventhubs' send a batch and the consumer reads every event of it back.
import { createEventHubConsumerClient, createEventHubProducerClient } from 'azure-realtime/eventhubs';
import { within } from './smoke-util.mjs';

const HUB = 'eh1';
const COUNT = 6;
const STEP_MS = 15_000;

// Start right after what each partition already holds, so earlier runs on the shared hub don't count.
async function positionsAfterNow(client) {
  const positions = {};
  for (const id of await client.getPartitionIds()) {
    const p = await client.getPartitionProperties(id);
    positions[id] = p.isEmpty ? { sequenceNumber: -1, isInclusive: false } : { sequenceNumber: p.lastEnqueuedSequenceNumber, isInclusive: false };
  }
  return positions;
}

/** `options` go to both factories (e.g. `webSocketOptions` where the SDK must use a WebSocket). */
export async function eventHubsChecks(check, connectionString, label = 'azure-realtime/eventhubs', options = {}) {
  await check(`${label}: Event Hubs batch sent and read back by the consumer`, async () => {
    const run = `run-${Math.random().toString(36).slice(2, 10)}`;
    const started = Date.now();
    const closing = [];
    try {
      const producer = await createEventHubProducerClient(connectionString, HUB, options);
      closing.push(producer);
      const consumer = await createEventHubConsumerClient('$Default', connectionString, HUB, undefined, {
        ...options,
        loadBalancingOptions: { strategy: 'greedy', updateIntervalInMs: 250 },
      });
      closing.push(consumer);
      const startPosition = await within(STEP_MS, positionsAfterNow(producer), 'partition properties');
      const seen = [];
      let subscription;
      const received = new Promise((resolve, reject) => {
        subscription = consumer.subscribe(
          {
            processEvents: async (events) => {
              for (const event of events) if (event.properties?.run === run) seen.push(event);
              if (seen.length >= COUNT) resolve(seen);
            },
            processError: async (error) => reject(error),
          },
          { startPosition, maxWaitTimeInSeconds: 1 },
        );
      });
      closing.unshift(subscription);
      const batch = await producer.createBatch();
      for (let i = 0; i < COUNT; i++) {
        if (!batch.tryAdd({ body: { i, text: `event ${i}` }, properties: { run, i } })) return `event ${i} did not fit the batch`;
      }
      await within(STEP_MS, producer.sendBatch(batch), 'sendBatch');
      const events = await within(STEP_MS, received, `receiving ${COUNT} events (got ${seen.length})`);
      const order = events.map((e) => e.body?.i).sort((a, b) => a - b).join(',');
      const intact = events.every((e) => e.body?.text === `event ${e.properties?.i}` && typeof e.sequenceNumber === 'number');
      const ok = order === '0,1,2,3,4,5' && intact;
      return ok ? { note: `6 events back ${Date.now() - started} ms after the clients were created` } : `received ${order}, bodies intact: ${intact}`;
    } finally {
      await Promise.allSettled(closing.map((c) => within(5000, c.close(), 'close')));
    }
  });
}
