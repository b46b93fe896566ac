import { earliestEventPosition, EventHubConsumerClient, EventHubProducerClient, type ReceivedEventData } from '@azure/event-hubs';
import { Kafka, logLevel, type EachMessagePayload } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startKafkaEmulator, waitFor, type KafkaTarget } from './kafka-helpers.js';

// One log for both protocols: kafkajs in → @azure/event-hubs out, and back, with the service's
// mapping (key ↔ partition key, headers ↔ application properties, offset ↔ sequence number,
// timestamp ↔ enqueued time).

let target: KafkaTarget;
let kafka: Kafka;
beforeAll(async () => {
  target = await startKafkaEmulator();
  kafka = new Kafka({
    clientId: 'cross',
    brokers: [target.bootstrapServers],
    sasl: { mechanism: 'plain', username: target.username, password: target.password },
    logLevel: logLevel.NOTHING,
  });
});
afterAll(async () => {
  await target?.emulator.close();
});

async function receiveAmqp(partitionId: string, count: number): Promise<ReceivedEventData[]> {
  const consumer = new EventHubConsumerClient('$Default', target.emulator.connectionString, 'orders');
  const events: ReceivedEventData[] = [];
  const subscription = consumer.subscribe(
    partitionId,
    {
      processEvents: async (batch) => void events.push(...batch),
      processError: async () => undefined,
    },
    { startPosition: earliestEventPosition, maxWaitTimeInSeconds: 1 },
  );
  await waitFor(() => (events.length >= count ? true : undefined), `${count} AMQP events`);
  await subscription.close();
  await consumer.close();
  return events;
}

test('Kafka in → @azure/event-hubs out: key as partition key, headers as properties, offset as sequence number', async () => {
  const producer = kafka.producer();
  await producer.connect();
  const before = Date.now();
  await producer.send({ topic: 'orders', messages: [{ partition: 0, key: 'customer-7', value: 'from kafka', headers: { kind: 'order', region: 'eu' } }] });
  await producer.disconnect();
  const [event] = await receiveAmqp('0', 1);
  expect(event!.partitionKey).toBe('customer-7');
  expect(event!.properties).toEqual({ kind: 'order', region: 'eu' });
  expect(Buffer.from(event!.body as Uint8Array).toString()).toBe('from kafka');
  expect(event!.sequenceNumber).toBe(0);
  expect(event!.enqueuedTimeUtc.getTime()).toBeGreaterThanOrEqual(before - 1000);
});

test('@azure/event-hubs in → Kafka out: partition key as key, properties as string headers, enqueued time as timestamp', async () => {
  const producer = new EventHubProducerClient(target.emulator.connectionString, 'orders');
  const batch = await producer.createBatch({ partitionId: '1' });
  batch.tryAdd({ body: Buffer.from('from amqp'), properties: { source: 'sdk', attempt: 3 } });
  await producer.sendBatch(batch);
  const keyed = await producer.createBatch({ partitionKey: 'tenant-1' });
  keyed.tryAdd({ body: Buffer.from('keyed') });
  await producer.sendBatch(keyed);
  await producer.close();

  const consumer = kafka.consumer({ groupId: 'cross-out', maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  const seen: EachMessagePayload[] = [];
  await consumer.run({ eachMessage: async (payload) => void seen.push(payload) });
  await waitFor(() => (seen.some((s) => s.message.value?.toString() === 'keyed') && seen.some((s) => s.message.value?.toString() === 'from amqp') ? true : undefined), 'both AMQP events over Kafka');
  await consumer.disconnect();
  const fromAmqp = seen.find((s) => s.message.value?.toString() === 'from amqp')!;
  expect(fromAmqp.partition).toBe(1);
  expect(fromAmqp.message.key).toBeNull();
  expect(Object.fromEntries(Object.entries(fromAmqp.message.headers ?? {}).map(([k, v]) => [k, v?.toString()]))).toEqual({ source: 'sdk', attempt: '3' });
  const partition = target.emulator.namespace.hub('orders')!.partitions[1]!;
  const stored = partition.log.get(Number(fromAmqp.message.offset))!;
  expect(Number(fromAmqp.message.timestamp)).toBe(stored.enqueuedTime);
  const keyedMessage = seen.find((s) => s.message.value?.toString() === 'keyed')!;
  expect(keyedMessage.message.key?.toString()).toBe('tenant-1');
});
