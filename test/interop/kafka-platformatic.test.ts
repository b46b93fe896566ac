import { Admin, Consumer, MessagesStreamModes, Producer, stringDeserializers, stringSerializers, type Message } from '@platformatic/kafka';
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
  type Nested = Error & { errors?: Nested[]; cause?: Nested };
  const failure = await producer.send({ messages: [{ topic: 'audit', value: 'x' }] }).then(
    () => undefined,
    (error: Nested) => error,
  );
  const describe = (error: Nested | undefined): string =>
    error ? [error.message, ...(error.errors ?? []).map((inner) => describe(inner)), describe(error.cause)].join(' | ') : '';
  expect(describe(failure)).toMatch(/SASL_AUTHENTICATION_FAILED|Authentication failed/i);
  await Promise.resolve(producer.close(true)).catch(() => undefined);
});

test('a @platformatic/kafka group of two splits the partitions and rebalances when one leaves', { timeout: 40_000 }, async () => {
  const member = async () => {
    const consumer = new Consumer({ clientId: 'platformatic-pair', groupId: 'platformatic-pair', ...base(), deserializers: stringDeserializers });
    const stream = await consumer.consume({ topics: ['orders'], mode: MessagesStreamModes.EARLIEST, sessionTimeout: 6000, heartbeatInterval: 200, maxWaitTime: 100 });
    stream.on('data', () => undefined);
    return { consumer, stream };
  };
  const owned = (c: Consumer<string, string, string, string>) => (c.assignments ?? []).flatMap((a) => a.partitions);
  const first = await member();
  const second = await member();
  await waitFor(() => {
    const a = owned(first.consumer);
    const b = owned(second.consumer);
    return a.length > 0 && b.length > 0 && a.length + b.length === 3 ? true : undefined;
  }, 'both members assigned', 30_000);
  expect([...owned(first.consumer), ...owned(second.consumer)].sort()).toEqual([0, 1, 2]);
  await second.stream.close();
  await second.consumer.close(true);
  await waitFor(() => (owned(first.consumer).length === 3 ? true : undefined), 'the survivor owning every partition', 30_000);
  await first.stream.close();
  await first.consumer.close(true);
});

test('@platformatic/kafka: committed offsets survive an emulator restart with the same dataDir', { timeout: 30_000 }, async () => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dataDir = await mkdtemp(join(tmpdir(), 'eh-platformatic-'));
  const first = await startKafkaEmulator({ dataDir });
  const consumerFor = (t: KafkaTarget) =>
    new Consumer({
      clientId: 'platformatic-durable',
      groupId: 'platformatic-durable',
      bootstrapBrokers: [t.bootstrapServers],
      sasl: { mechanism: 'PLAIN', username: t.username, password: t.password },
      retries: 1,
    });
  try {
    const consumer = consumerFor(first);
    await consumer.commit({ offsets: [{ topic: 'audit', partition: 1, offset: 5n, leaderEpoch: 0 }] });
    await consumer.close(true);
    const port = Number(first.bootstrapServers.split(':').at(-1));
    await first.emulator.close();
    const second = await startKafkaEmulator({ dataDir, kafkaPort: port });
    try {
      const again = consumerFor(second);
      const offsets = await again.listCommittedOffsets({ topics: [{ topic: 'audit', partitions: [0, 1] }] });
      await again.close(true);
      expect(offsets.get('audit')).toEqual([-1n, 5n]);
    } finally {
      await second.emulator.close();
    }
  } finally {
    await first.emulator.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('@platformatic/kafka admin lists and describes groups (ListGroups v4, DescribeGroups v5)', async () => {
  const consumer = new Consumer({ clientId: 'platformatic-admin', groupId: 'platformatic-admin', ...base(), deserializers: stringDeserializers });
  const stream = await consumer.consume({ topics: ['audit'], mode: MessagesStreamModes.EARLIEST, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTime: 100 });
  stream.on('data', () => undefined);
  await waitFor(() => ((consumer.assignments ?? []).length > 0 ? true : undefined), 'an assignment');
  const admin = new Admin({ clientId: 'platformatic-admin', ...base() });
  try {
    const listed = await admin.listGroups();
    expect(listed.get('platformatic-admin')).toMatchObject({ id: 'platformatic-admin', state: 'STABLE', protocolType: 'consumer' });
    const described = (await admin.describeGroups({ groups: ['platformatic-admin'] })).get('platformatic-admin')!;
    expect(described).toMatchObject({ id: 'platformatic-admin', state: 'STABLE', protocolType: 'consumer' });
    expect(described.members.size).toBe(1);
  } finally {
    await admin.close();
    await stream.close();
    await consumer.close(true);
  }
});

test('@platformatic/kafka idempotent producer (InitProducerId v5, sequence numbers on Produce v11)', async () => {
  const producer = new Producer({ clientId: 'platformatic-idempotent', ...base(), idempotent: true, serializers: stringSerializers });
  try {
    const partition = target.emulator.namespace.hub('orders')!.partitions[2]!;
    const before = partition.log.nextSequenceNumber;
    for (const value of ['one', 'two']) await producer.send({ messages: [{ topic: 'orders', partition: 2, value }] });
    expect(partition.log.nextSequenceNumber).toBe(before + 2);
    expect(producer.producerId).toBeGreaterThanOrEqual(1000n);
  } finally {
    await producer.close();
  }
});
