import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/index.js';
import { RawClient } from './kafka-raw-client.js';
import { crc32c, encodeBatch } from '../../../src/emulator/eventhubs/kafka/records.js';

// The Kafka endpoint on the wire, with hand-made frames: version negotiation, SASL ordering,
// claims, and hostile input closing only the connection that sent it.

const SEND_ONLY = { name: 'send-only', key: 'c2VuZC1vbmx5LWtleQ==', rights: ['Send' as const] };
const LISTEN_ONLY = { name: 'listen-only', key: 'bGlzdGVuLW9ubHkta2V5', rights: ['Listen' as const] };

let emulator: RunningEventHubsEmulator;
let port: number;
const logged: string[] = [];
beforeAll(async () => {
  emulator = await startEventHubsEmulator({
    config: { hubs: [{ name: 'orders', partitionCount: 2 }, { name: 'other', partitionCount: 1 }] },
    kafkaPort: 0,
    kafkaLimits: { maxRequestBytes: 64 * 1024 },
    policies: [SEND_ONLY, LISTEN_ONLY],
    log: (line) => logged.push(line),
  });
  port = Number(emulator.info().kafka!.bootstrapServers.split(':').at(-1));
});
afterAll(async () => {
  await emulator?.close();
});

const namespaceString = (name: string, key: string, entityPath?: string) =>
  `Endpoint=sb://127.0.0.1/;SharedAccessKeyName=${name};SharedAccessKey=${key}${entityPath ? `;EntityPath=${entityPath}` : ''}`;

test('ApiVersions above our maximum gets a v0 answer: UNSUPPORTED_VERSION and the full list', async () => {
  const client = await RawClient.open(port);
  const id = client.send(18, 99, () => undefined, true);
  const response = (await client.response())!;
  expect(response.int32()).toBe(id);
  expect(response.int16()).toBe(35);
  const apis = response.array(false, (r) => [r.int16(), r.int16(), r.int16()]);
  expect(apis).toContainEqual([18, 0, 4]);
  expect(apis).toContainEqual([3, 0, 12]);
  expect(response.remaining()).toBe(0);
  client.close();
});

test('a request other than ApiVersions/SASL before authentication closes the connection', async () => {
  const client = await RawClient.open(port);
  client.send(3, 1, (w) => w.int32(-1));
  expect(await client.response()).toBeUndefined();
  expect(client.closed).toBe(true);
});

test('Send and Listen claims are enforced per API', async () => {
  const sender = await RawClient.open(port);
  expect(await sender.login('$ConnectionString', namespaceString(SEND_ONLY.name, SEND_ONLY.key))).toBe(0);
  const batch = encodeBatch(0, [{ key: null, value: Buffer.from('x'), headers: [], timestamp: Date.now() }]);
  sender.send(0, 3, (w) => w.nullableString(null, false).int16(1).int32(1000).array([0], false, (t) => t.string('orders', false).array([0], false, (p) => p.int32(0).nullableBytes(batch, false))));
  const produced = (await sender.response())!;
  produced.int32();
  produced.int32();
  produced.string(false);
  produced.int32();
  produced.int32();
  expect(produced.int16()).toBe(0);
  // Fetch v4 from the send-only connection: TOPIC_AUTHORIZATION_FAILED (29).
  sender.send(1, 4, (w) => w.int32(-1).int32(0).int32(1).int32(1 << 20).int8(0).array([0], false, (t) => t.string('orders', false).array([0], false, (p) => p.int32(0).int64(0).int32(1 << 20))));
  const fetched = (await sender.response())!;
  fetched.int32();
  fetched.int32();
  fetched.int32();
  fetched.string(false);
  fetched.int32();
  fetched.int32();
  expect(fetched.int16()).toBe(29);
  sender.close();

  const listener = await RawClient.open(port);
  expect(await listener.login('$ConnectionString', namespaceString(LISTEN_ONLY.name, LISTEN_ONLY.key))).toBe(0);
  listener.send(0, 3, (w) => w.nullableString(null, false).int16(1).int32(1000).array([0], false, (t) => t.string('orders', false).array([0], false, (p) => p.int32(0).nullableBytes(batch, false))));
  const refused = (await listener.response())!;
  refused.int32();
  refused.int32();
  refused.string(false);
  refused.int32();
  refused.int32();
  expect(refused.int16()).toBe(29);
  listener.close();
});

test('a connection string with EntityPath only sees and uses that hub', async () => {
  const client = await RawClient.open(port);
  expect(await client.login('$ConnectionString', namespaceString(SEND_ONLY.name, SEND_ONLY.key, 'other'))).toBe(0);
  client.send(3, 1, (w) => w.int32(-1));
  const metadata = (await client.response())!;
  metadata.int32();
  metadata.array(false, (r) => [r.int32(), r.string(false), r.int32(), r.nullableString(false)]);
  metadata.int32();
  const topics = metadata.array(false, (r) => {
    const error = r.int16();
    const name = r.string(false);
    r.bool();
    r.array(false, (p) => [p.int16(), p.int32(), p.int32(), p.array(false, (x) => x.int32()), p.array(false, (x) => x.int32())]);
    return [name, error];
  });
  expect(topics).toEqual([['other', 0]]);
  client.close();
});

test('an oversized frame or a malformed request closes only that connection', async () => {
  const healthy = await RawClient.open(port);
  expect(await healthy.login('$ConnectionString', namespaceString(LISTEN_ONLY.name, LISTEN_ONLY.key))).toBe(0);

  const oversized = await RawClient.open(port);
  const size = Buffer.alloc(4);
  size.writeInt32BE(10 * 1024 * 1024);
  (oversized as unknown as { socket: Socket }).socket.write(size);
  expect(await oversized.response()).toBeUndefined();

  const malformed = await RawClient.open(port);
  expect(await malformed.login('$ConnectionString', namespaceString(LISTEN_ONLY.name, LISTEN_ONLY.key))).toBe(0);
  // Metadata v1 claiming two billion topics in a few bytes.
  malformed.send(3, 1, (w) => w.int32(0x7fffffff).int16(3));
  expect(await malformed.response()).toBeUndefined();

  const unknown = healthy.send(20, 0, (w) => w.int32(0));
  const reply = (await healthy.response())!;
  expect(reply.int32()).toBe(unknown);
  expect(reply.int16()).toBe(35);
  healthy.send(18, 0, () => undefined);
  const versions = (await healthy.response())!;
  versions.int32();
  expect(versions.int16()).toBe(0);
  healthy.close();
});

function fetchV4(client: RawClient, topic: string, offset: number, maxWaitMs: number, minBytes: number): void {
  client.send(1, 4, (w) =>
    w.int32(-1).int32(maxWaitMs).int32(minBytes).int32(1 << 20).int8(0).array([0], false, (t) => t.string(topic, false).array([0], false, (p) => p.int32(0).int64(offset).int32(1 << 20))),
  );
}

async function fetchedBytes(client: RawClient): Promise<{ error: number; high: number; records: number }> {
  const response = (await client.response())!;
  response.int32();
  response.int32();
  response.int32();
  response.string(false);
  response.int32();
  response.int32();
  const error = response.int16();
  const high = response.int64();
  response.int64();
  response.array(false, (r) => [r.int64(), r.int64()]);
  return { error, high, records: response.bytes(false).length };
}

test('Fetch long-polls: it waits for an append (min_bytes), or answers empty after max_wait_ms', async () => {
  const root = emulator.connectionString;
  const waiting = await RawClient.open(port);
  expect(await waiting.login('$ConnectionString', root)).toBe(0);
  fetchV4(waiting, 'other', 0, 20_000, 1);
  const producer = await RawClient.open(port);
  expect(await producer.login('$ConnectionString', root)).toBe(0);
  const batch = encodeBatch(0, [{ key: null, value: Buffer.from('wake up'), headers: [], timestamp: Date.now() }]);
  producer.send(0, 3, (w) => w.nullableString(null, false).int16(1).int32(1000).array([0], false, (t) => t.string('other', false).array([0], false, (p) => p.int32(0).nullableBytes(batch, false))));
  await producer.response();
  const woken = await fetchedBytes(waiting);
  expect(woken).toMatchObject({ error: 0, high: 1 });
  expect(woken.records).toBeGreaterThan(0);

  fetchV4(waiting, 'other', 1, 50, 1);
  expect(await fetchedBytes(waiting)).toEqual({ error: 0, high: 1, records: 0 });
  fetchV4(waiting, 'other', 5, 50, 1);
  expect((await fetchedBytes(waiting)).error).toBe(1);
  waiting.close();
  producer.close();
});

test('a record batch above the size limit is MESSAGE_TOO_LARGE; the connection stays usable', async () => {
  const big = encodeBatch(0, [{ key: null, value: Buffer.alloc(1_100_000, 1), headers: [], timestamp: Date.now() }]);
  // Through a second emulator whose request limit admits the frame, so the batch limit is what trips.
  const roomy = await startEventHubsEmulator({ config: { hubs: [{ name: 'big', partitionCount: 1 }] }, kafkaPort: 0, kafkaLimits: { maxRequestBytes: 2 * 1024 * 1024 } });
  try {
    const roomyPort = Number(roomy.info().kafka!.bootstrapServers.split(':').at(-1));
    const socket = connect(roomyPort, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const other = new RawClient(socket);
    expect(await other.login('$ConnectionString', roomy.connectionString)).toBe(0);
    other.send(0, 3, (w) => w.nullableString(null, false).int16(1).int32(1000).array([0], false, (t) => t.string('big', false).array([0], false, (p) => p.int32(0).nullableBytes(big, false))));
    const response = (await other.response())!;
    response.int32();
    response.int32();
    response.string(false);
    response.int32();
    response.int32();
    expect(response.int16()).toBe(10);
    other.send(18, 0, () => undefined);
    expect(await other.response()).toBeDefined();
    other.close();
  } finally {
    await roomy.close();
  }
});

test('a connection that does not finish SASL within handshakeTimeoutMs is closed; more than maxConnections are refused', async () => {
  const strict = await startEventHubsEmulator({ config: { hubs: [{ name: 'h', partitionCount: 1 }] }, kafkaPort: 0, kafkaLimits: { handshakeTimeoutMs: 2000, maxConnections: 2 } });
  try {
    const strictPort = Number(strict.info().kafka!.bootstrapServers.split(':').at(-1));
    const open = async () => {
      const socket = connect(strictPort, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      return new RawClient(socket);
    };
    const authenticated = await open();
    expect(await authenticated.login('$ConnectionString', strict.connectionString)).toBe(0);
    const silent = await open();
    const third = await open();
    expect(await third.response()).toBeUndefined();
    expect(await silent.response()).toBeUndefined();
    // The authenticated one outlives the deadline: `silent` was admitted after it logged in, so its
    // deadline (long next to a login, which must beat it even on a loaded machine) came later.
    authenticated.send(18, 0, () => undefined);
    expect(await authenticated.response()).toBeDefined();
    authenticated.close();
  } finally {
    await strict.close();
  }
});

test('an authenticated connection idle for connectionsMaxIdleMs is closed', async () => {
  const idle = await startEventHubsEmulator({ config: { hubs: [{ name: 'h', partitionCount: 1 }] }, kafkaPort: 0, kafkaLimits: { connectionsMaxIdleMs: 1000 } });
  try {
    const socket = connect(Number(idle.info().kafka!.bootstrapServers.split(':').at(-1)), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const client = new RawClient(socket);
    expect(await client.login('$ConnectionString', idle.connectionString)).toBe(0);
    expect(await client.response()).toBeUndefined();
    expect(client.closed).toBe(true);
  } finally {
    await idle.close();
  }
});

test('an idempotent producer retrying a batch gets the first offset back and nothing is written twice; a gap is OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
  const client = await RawClient.open(port);
  expect(await client.login('$ConnectionString', emulator.connectionString)).toBe(0);
  client.send(22, 1, (w) => w.nullableString(null, false).int32(60_000));
  const init = (await client.response())!;
  init.int32();
  init.int32();
  expect(init.int16()).toBe(0);
  const producerId = init.int64();
  const batchAt = (sequence: number): Buffer => {
    const batch = encodeBatch(0, [{ key: null, value: Buffer.from(`seq ${sequence}`), headers: [], timestamp: Date.now() }]);
    batch.writeBigInt64BE(BigInt(producerId), 43);
    batch.writeInt16BE(0, 51);
    batch.writeInt32BE(sequence, 53);
    batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
    return batch;
  };
  const produce = async (batch: Buffer): Promise<{ error: number; offset: number }> => {
    client.send(0, 3, (w) => w.nullableString(null, false).int16(-1).int32(1000).array([0], false, (t) => t.string('orders', false).array([0], false, (p) => p.int32(1).nullableBytes(batch, false))));
    const response = (await client.response())!;
    response.int32();
    response.int32();
    response.string(false);
    response.int32();
    response.int32();
    return { error: response.int16(), offset: response.int64() };
  };
  const partition = emulator.namespace.hub('orders')!.partitions[1]!;
  const before = partition.log.nextSequenceNumber;
  const first = await produce(batchAt(0));
  expect(first).toEqual({ error: 0, offset: before });
  expect(await produce(batchAt(0))).toEqual(first);
  expect(partition.log.nextSequenceNumber).toBe(before + 1);
  expect((await produce(batchAt(5))).error).toBe(45);
  expect(await produce(batchAt(1))).toEqual({ error: 0, offset: before + 1 });
  client.close();
});

test('Fetch with min_bytes 0 answers at once even when nothing is there', async () => {
  const client = await RawClient.open(port);
  expect(await client.login('$ConnectionString', emulator.connectionString)).toBe(0);
  const next = emulator.namespace.hub('orders')!.partitions[0]!.log.nextSequenceNumber;
  fetchV4(client, 'orders', next, 60_000, 0);
  expect(await fetchedBytes(client)).toEqual({ error: 0, high: next, records: 0 });
  client.close();
});

test('Metadata v12 finds a topic named by its id alone', async () => {
  const { topicId } = await import('../../../src/emulator/eventhubs/kafka/context.js');
  const client = await RawClient.open(port);
  expect(await client.login('$ConnectionString', emulator.connectionString)).toBe(0);
  client.send(3, 12, (w) => w.array([topicId('orders')], true, (t, id) => t.raw(id).nullableString(null, true)).bool(false).bool(false).tags(true), true);
  const response = (await client.response())!;
  response.int32();
  response.skipTaggedFields();
  response.int32();
  response.array(true, (r) => [r.int32(), r.string(true), r.int32(), r.nullableString(true)]);
  response.nullableString(true);
  response.int32();
  const [first] = response.array(true, (r) => {
    const error = r.int16();
    const name = r.nullableString(true);
    const id = Buffer.from(r.uuid());
    r.bool();
    r.array(true, (p) => [p.int16(), p.int32(), p.int32(), p.int32(), p.array(true, (x) => x.int32(), 4, false), p.array(true, (x) => x.int32(), 4, false), p.array(true, (x) => x.int32(), 4, false)]);
    r.int32();
    return { error, name, id };
  });
  expect(first).toEqual({ error: 0, name: 'orders', id: topicId('orders') });
  client.close();
});
