import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/index.js';
import { RawClient } from './kafka-raw-client.js';

// SASL on the Kafka endpoint, frame by frame: PLAIN with `$ConnectionString`, the v0 handshake's
// bare token frames, refusals that close the connection and keep the key out of the log.

const SEND_ONLY = { name: 'send-only', key: 'c2VuZC1vbmx5LWtleQ==', rights: ['Send' as const] };

let emulator: RunningEventHubsEmulator;
let port: number;
const logged: string[] = [];
beforeAll(async () => {
  emulator = await startEventHubsEmulator({ config: { hubs: [{ name: 'orders', partitionCount: 1 }] }, kafkaPort: 0, policies: [SEND_ONLY], log: (line) => logged.push(line) });
  port = Number(emulator.info().kafka!.bootstrapServers.split(':').at(-1));
});
afterAll(async () => {
  await emulator?.close();
});

const namespaceString = (name: string, key: string) => `Endpoint=sb://127.0.0.1/;SharedAccessKeyName=${name};SharedAccessKey=${key}`;

test('a wrong key is SASL_AUTHENTICATION_FAILED, then the connection closes; the key never reaches the log', async () => {
  const client = await RawClient.open(port);
  expect(await client.login('$ConnectionString', namespaceString('RootManageSharedAccessKey', 'bm90LXRoZS1rZXk='))).toBe(58);
  expect(await client.response()).toBeUndefined();
  expect(await (await RawClient.open(port)).login('wrong-user', namespaceString(SEND_ONLY.name, SEND_ONLY.key))).toBe(58);
  expect(logged.join('\n')).not.toContain('bm90LXRoZS1rZXk=');
});

test('after a v0 SaslHandshake the PLAIN token comes as a bare frame and gets a bare empty frame back', async () => {
  const good = await RawClient.open(port);
  good.send(17, 0, (w) => w.string('PLAIN', false));
  const handshake = (await good.response())!;
  handshake.int32();
  expect(handshake.int16()).toBe(0);
  good.sendFrame(Buffer.from(`\u0000$ConnectionString\u0000${emulator.connectionString}`));
  const bare = (await good.response())!;
  expect(bare.remaining()).toBe(0);
  good.send(18, 0, () => undefined);
  const versions = (await good.response())!;
  versions.int32();
  expect(versions.int16()).toBe(0);
  good.close();

  const bad = await RawClient.open(port);
  bad.send(17, 0, (w) => w.string('PLAIN', false));
  await bad.response();
  bad.sendFrame(Buffer.from(`\u0000$ConnectionString\u0000${namespaceString('RootManageSharedAccessKey', 'd3Jvbmc=')}`));
  expect(await bad.response()).toBeUndefined();
});

test('a mechanism other than PLAIN is UNSUPPORTED_SASL_MECHANISM with the list of ours', async () => {
  const client = await RawClient.open(port);
  client.send(17, 1, (w) => w.string('OAUTHBEARER', false));
  const response = (await client.response())!;
  response.int32();
  expect(response.int16()).toBe(33);
  expect(response.array(false, (r) => r.string(false))).toEqual(['PLAIN']);
  expect(await client.response()).toBeUndefined();
});

test('a connection string carrying a SharedAccessSignature is verified like a CBS token', async () => {
  const { createSasToken } = await import('../../../src/core/sas.js');
  const { nodeHmac } = await import('../../../src/node/hmac.js');
  const token = await createSasToken({ resourceUri: 'sb://127.0.0.1/orders', keyName: SEND_ONLY.name, key: SEND_ONLY.key, ttlSeconds: 600, hmac: nodeHmac });
  const client = await RawClient.open(port);
  expect(await client.login('$ConnectionString', `Endpoint=sb://127.0.0.1/;SharedAccessSignature=${token}`)).toBe(0);
  client.close();
  const forged = await createSasToken({ resourceUri: 'sb://127.0.0.1/orders', keyName: SEND_ONLY.name, key: 'Zm9yZ2Vk', ttlSeconds: 600, hmac: nodeHmac });
  const refused = await RawClient.open(port);
  expect(await refused.login('$ConnectionString', `Endpoint=sb://127.0.0.1/;SharedAccessSignature=${forged}`)).toBe(58);
});

test('with acceptAnyToken, any PLAIN credentials pass and a client may skip SASL altogether', async () => {
  const open = await startEventHubsEmulator({ config: { hubs: [{ name: 'orders', partitionCount: 1 }] }, kafkaPort: 0, acceptAnyToken: true });
  try {
    const openPort = Number(open.info().kafka!.bootstrapServers.split(':').at(-1));
    const anyone = await RawClient.open(openPort);
    expect(await anyone.login('whoever', 'whatever')).toBe(0);
    anyone.close();
    const noSasl = await RawClient.open(openPort);
    noSasl.send(3, 1, (w) => w.int32(-1));
    const metadata = (await noSasl.response())!;
    metadata.int32();
    expect(metadata.array(false, (r) => [r.int32(), r.string(false), r.int32(), r.nullableString(false)])).toHaveLength(1);
    noSasl.close();
  } finally {
    await open.close();
  }
});
