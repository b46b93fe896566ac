#!/usr/bin/env node
// Event Hubs emulator: events/s through its Kafka endpoint (kafkajs) next to its AMQP endpoint
// (@azure/event-hubs), same process, same log, same event size. Bounded: each phase stops after
// EVENTS events or PHASE_MS, whichever first (≤ ~60 s in all). Needs `npm run build`. Prints a table.
import { earliestEventPosition, EventHubConsumerClient, EventHubProducerClient } from '@azure/event-hubs';
import { Kafka, logLevel } from 'kafkajs';
import { startEventHubsEmulator } from '../dist/emulator/eventhubs/index.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const BATCH = 500;
const PHASE_MS = 12_000;
const body = Buffer.alloc(100, 'x');

const emulator = await startEventHubsEmulator({
  config: { hubs: [{ name: 'kafka-bench', partitionCount: 4 }, { name: 'amqp-bench', partitionCount: 4 }] },
  kafkaPort: 0,
});
const { bootstrapServers, saslUsername, saslPassword } = emulator.info().kafka;

async function timed(run) {
  const start = performance.now();
  const count = await run(start + PHASE_MS);
  return { count, perSecond: Math.round((count * 1000) / (performance.now() - start)) };
}

const kafka = new Kafka({
  clientId: 'bench',
  brokers: [bootstrapServers],
  sasl: { mechanism: 'plain', username: saslUsername, password: saslPassword },
  logLevel: logLevel.NOTHING,
});

const kafkaProduce = await timed(async (deadline) => {
  const producer = kafka.producer();
  await producer.connect();
  let sent = 0;
  while (sent < EVENTS && performance.now() < deadline) {
    const messages = Array.from({ length: BATCH }, (_, i) => ({ partition: (sent + i) % 4, value: body }));
    await producer.send({ topic: 'kafka-bench', acks: 1, messages });
    sent += BATCH;
  }
  await producer.disconnect();
  return sent;
});

const kafkaFetch = await timed(async (deadline) => {
  const consumer = kafka.consumer({ groupId: 'bench', maxWaitTimeInMs: 100, maxBytesPerPartition: 4 << 20 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'kafka-bench', fromBeginning: true });
  let seen = 0;
  await new Promise((resolve) => {
    const timer = setInterval(() => performance.now() > deadline && resolve(), 100);
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        if (seen >= kafkaProduce.count) {
          clearInterval(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return seen;
});

const amqpProduce = await timed(async (deadline) => {
  const producer = new EventHubProducerClient(emulator.connectionString, 'amqp-bench');
  let sent = 0;
  while (sent < EVENTS && performance.now() < deadline) {
    const batch = await producer.createBatch({ partitionId: String((sent / BATCH) % 4) });
    for (let i = 0; i < BATCH; i++) batch.tryAdd({ body });
    await producer.sendBatch(batch);
    sent += batch.count;
  }
  await producer.close();
  return sent;
});

const amqpReceive = await timed(async (deadline) => {
  const consumer = new EventHubConsumerClient('$Default', emulator.connectionString, 'amqp-bench');
  let seen = 0;
  let subscription;
  await new Promise((resolve) => {
    const timer = setInterval(() => performance.now() > deadline && resolve(), 100);
    subscription = consumer.subscribe(
      {
        processEvents: async (events) => {
          seen += events.length;
          if (seen >= amqpProduce.count) {
            clearInterval(timer);
            resolve();
          }
        },
        processError: async () => undefined,
      },
      { startPosition: earliestEventPosition, maxBatchSize: BATCH, maxWaitTimeInSeconds: 1 },
    );
  });
  await subscription.close();
  await consumer.close();
  return seen;
});

await emulator.close();

const rows = [
  ['Kafka (kafkajs)', kafkaProduce, kafkaFetch],
  ['AMQP (@azure/event-hubs)', amqpProduce, amqpReceive],
];
console.log(`Event Hubs emulator, ${body.length}-byte events, batches of ${BATCH}, 4 partitions`);
console.log('| path | produce events/s | fetch/receive events/s | events |');
console.log('|---|---:|---:|---:|');
for (const [name, produce, read] of rows) console.log(`| ${name} | ${produce.perSecond} | ${read.perSecond} | ${produce.count} / ${read.count} |`);
