import { Consumer, MessagesStreamModes, Producer, stringDeserializers, stringSerializers, type Message } from '@platformatic/kafka';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startKafkaEmulator, waitFor, type KafkaTarget } from './kafka-helpers.js';

// @platformatic/kafka: a client that only speaks recent versions (ApiVersions v3+, Metadata v9+,
// Fetch v12+ with topic ids, flexible encodings throughout), the family the Docker emulator
// turns away.

let target: KafkaTarget;
beforeAll(async () => {
  target = await startKafkaEmulator();
});
afterAll(async () => {
  await target?.emulator.close();
});

const base = () => ({
  bootstrapBrokers: [target.bootstrapServers],
  sasl: { mechanism: 'PLAIN' as const, username: target.username, password: target.password },
  retries: 1,
});

test('@platformatic/kafka produces and a group consumer reads key, value and headers', async () => {
  const producer = new Producer({ clientId: 'platformatic-producer', ...base(), serializers: stringSerializers });
  const sent = await producer.send({
    messages: [
      { topic: 'audit', partition: 0, key: 'user-1', value: 'login', headers: { origin: 'web' } },
      { topic: 'audit', partition: 0, key: 'user-1', value: 'logout' },
    ],
  });
  expect(sent.offsets?.[0]).toMatchObject({ topic: 'audit', partition: 0, offset: 0n });
  await producer.close();

  const consumer = new Consumer({ clientId: 'platformatic-consumer', groupId: 'platformatic-basic', ...base(), deserializers: stringDeserializers });
  const stream = await consumer.consume({ topics: ['audit'], mode: MessagesStreamModes.EARLIEST, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTime: 200 });
  const seen: Array<Message<string, string, string, string>> = [];
  stream.on('data', (message) => seen.push(message));
  await waitFor(() => (seen.length >= 2 ? true : undefined), 'two messages');
  await stream.close();
  await consumer.close(true);
  expect(seen.map((m) => [m.partition, m.offset, m.key, m.value])).toEqual([
    [0, 0n, 'user-1', 'login'],
    [0, 1n, 'user-1', 'logout'],
  ]);
  expect(seen[0]!.headers.get('origin')).toBe('web');
});

test('@platformatic/kafka with a wrong password is refused', async () => {
  const producer = new Producer({
    clientId: 'platformatic-wrong',
    ...base(),
    sasl: { mechanism: 'PLAIN', username: target.username, password: target.password.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=wrong') },
    serializers: stringSerializers,
  });
  await expect(producer.send({ messages: [{ topic: 'audit', value: 'x' }] })).rejects.toThrow();
  await producer.close(true).catch(() => undefined);
});
