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

test('a kafkajs group of two splits the partitions and rebalances to the survivor when one leaves', { timeout: 40_000 }, async () => {
  const kafka = client();
  const assigned = new Map<string, number[]>();
  const member = async (name: string) => {
    const consumer = kafka.consumer({ groupId: 'kafkajs-pair', sessionTimeout: 6000, heartbeatInterval: 200, rebalanceTimeout: 5000, maxWaitTimeInMs: 100 });
    consumer.on(consumer.events.GROUP_JOIN, (event) => assigned.set(name, event.payload.memberAssignment.orders ?? []));
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    await consumer.run({ eachMessage: async () => undefined });
    return consumer;
  };
  const first = await member('first');
  const second = await member('second');
  await waitFor(() => {
    const a = assigned.get('first') ?? [];
    const b = assigned.get('second') ?? [];
    return a.length > 0 && b.length > 0 && a.length + b.length === 3 ? true : undefined;
  }, 'both members assigned', 30_000);
  expect([...assigned.get('first')!, ...assigned.get('second')!].sort()).toEqual([0, 1, 2]);
  await second.disconnect();
  await waitFor(() => (assigned.get('first')?.length === 3 ? true : undefined), 'the survivor owning every partition', 30_000);
  await first.disconnect();
});

test('kafkajs: committed offsets survive an emulator restart with the same dataDir', { timeout: 30_000 }, async () => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dataDir = await mkdtemp(join(tmpdir(), 'eh-kafkajs-'));
  const first = await startKafkaEmulator({ dataDir });
  const connect = (t: KafkaTarget) =>
    new Kafka({ clientId: 'restart', brokers: [t.bootstrapServers], sasl: { mechanism: 'plain', username: t.username, password: t.password }, logLevel: logLevel.NOTHING });
  try {
    const kafka = connect(first);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'audit', messages: [0, 1, 2].map((n) => ({ partition: 1, value: `v${n}` })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'kafkajs-durable', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'audit', fromBeginning: true });
    let seen = 0;
    await consumer.run({ autoCommitThreshold: 1, eachMessage: async () => void seen++ });
    await waitFor(() => (seen === 3 ? true : undefined), 'three messages');
    await consumer.disconnect();
    const port = Number(first.bootstrapServers.split(':').at(-1));
    await first.emulator.close();
    const second = await startKafkaEmulator({ dataDir, kafkaPort: port });
    try {
      const again = connect(second).admin();
      await again.connect();
      const offsets = await again.fetchOffsets({ groupId: 'kafkajs-durable', topics: ['audit'] });
      await again.disconnect();
      expect(offsets).toEqual([{ topic: 'audit', partitions: [expect.objectContaining({ partition: 0, offset: '-1' }), expect.objectContaining({ partition: 1, offset: '3' })] }]);
    } finally {
      await second.emulator.close();
    }
  } finally {
    await first.emulator.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('SASL_SSL and SASL_PLAINTEXT on the same port when the emulator has a TLS certificate', async () => {
  const secure = await startKafkaEmulator({ tls: true });
  try {
    const over = (ssl: boolean) =>
      new Kafka({
        clientId: 'tls',
        brokers: [secure.bootstrapServers],
        ssl: ssl ? { ca: [secure.emulator.certificate!], servername: 'localhost' } : false,
        sasl: { mechanism: 'plain', username: secure.username, password: secure.password },
        logLevel: logLevel.NOTHING,
        retry: { retries: 1, initialRetryTime: 50 },
      }).producer();
    for (const ssl of [true, false]) {
      const producer = over(ssl);
      await producer.connect();
      const [ack] = await producer.send({ topic: 'audit', messages: [{ partition: 0, value: `tls=${ssl}` }] });
      expect(ack!.errorCode).toBe(0);
      await producer.disconnect();
    }
    expect(secure.emulator.namespace.hub('audit')!.partitions[0]!.log.nextSequenceNumber).toBe(2);
  } finally {
    await secure.emulator.close();
  }
});

test('kafkajs admin: offsets by timestamp, earliest/latest, group listing and description; idempotent producer', async () => {
  const kafka = client();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic: 'audit', acks: -1, messages: [{ partition: 1, value: 'early' }] });
  const between = Date.now() + 1;
  await new Promise((resolve) => setTimeout(resolve, 5));
  await producer.send({ topic: 'audit', acks: -1, messages: [{ partition: 1, value: 'late' }] });
  await producer.disconnect();

  const admin = kafka.admin();
  await admin.connect();
  const latest = await admin.fetchTopicOffsets('audit');
  const partition1 = latest.find((p) => p.partition === 1)!;
  const high = Number(partition1.high);
  expect(Number(partition1.low)).toBe(0);
  const [byTime] = (await admin.fetchTopicOffsetsByTimestamp('audit', between)).filter((p) => p.partition === 1);
  expect(Number(byTime!.offset)).toBe(high - 1);

  const consumer = kafka.consumer({ groupId: 'kafkajs-described', maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'audit', fromBeginning: true });
  await consumer.run({ eachMessage: async () => undefined });
  const { groups } = await admin.listGroups();
  expect(groups).toContainEqual({ groupId: 'kafkajs-described', protocolType: 'consumer' });
  let described: Awaited<ReturnType<typeof admin.describeGroups>>['groups'][number] | undefined;
  for (let attempt = 0; attempt < 100 && described?.state !== 'Stable'; attempt++) {
    described = (await admin.describeGroups(['kafkajs-described'])).groups[0];
    if (described?.state !== 'Stable') await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(described).toMatchObject({ groupId: 'kafkajs-described', state: 'Stable', protocolType: 'consumer', protocol: 'RoundRobinAssigner' });
  expect(described!.members).toHaveLength(1);
  await consumer.disconnect();
  await admin.disconnect();
});
