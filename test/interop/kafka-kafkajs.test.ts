import { Kafka, logLevel, type EachMessagePayload } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startKafkaEmulator, waitFor, type KafkaTarget } from './kafka-helpers.js';

// kafkajs (a pure-JS Kafka client we did not write) against the emulator's Kafka endpoint.

let target: KafkaTarget;
beforeAll(async () => {
  target = await startKafkaEmulator();
});
afterAll(async () => {
  await target?.emulator.close();
});

function client(password = target.password): Kafka {
  return new Kafka({
    clientId: 'kafkajs-interop',
    brokers: [target.bootstrapServers],
    sasl: { mechanism: 'plain', username: target.username, password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 50 },
  });
}

test('kafkajs produces and consumes with key, headers and offsets = sequence numbers', async () => {
  const kafka = client();
  const producer = kafka.producer();
  await producer.connect();
  const [ack] = await producer.send({
    topic: 'orders',
    messages: [
      { key: 'k1', value: 'first', headers: { source: 'kafkajs' }, partition: 1 },
      { key: 'k1', value: 'second', partition: 1 },
    ],
  });
  expect(ack).toMatchObject({ topicName: 'orders', partition: 1, errorCode: 0, baseOffset: '0' });
  const consumer = kafka.consumer({ groupId: 'kafkajs-basic', sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  const seen: EachMessagePayload[] = [];
  await consumer.run({ eachMessage: async (payload) => void seen.push(payload) });
  await waitFor(() => (seen.length >= 2 ? true : undefined), 'two messages');
  await consumer.disconnect();
  await producer.disconnect();
  expect(seen.map(({ partition, message }) => [partition, message.offset, message.key?.toString(), message.value?.toString()])).toEqual([
    [1, '0', 'k1', 'first'],
    [1, '1', 'k1', 'second'],
  ]);
  expect(seen[0]!.message.headers?.source?.toString()).toBe('kafkajs');
});

test('kafkajs with a wrong password is refused with SASL_AUTHENTICATION_FAILED', async () => {
  const producer = client(target.password.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=wrong')).producer();
  await expect(producer.connect()).rejects.toThrow(/SASL PLAIN authentication failed|Authentication failed/i);
});
