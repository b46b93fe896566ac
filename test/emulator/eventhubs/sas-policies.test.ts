import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventHubProducerClient } from '@azure/event-hubs';
import rhea from 'rhea';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/index.js';
import { RawClient } from './kafka-raw-client.js';

// Issue 13: Event Hubs takes the host's shared-access-rule model, as Relay does: policies from a
// config file (`eventhubs.authorizationRules`) with a primary and a secondary key, names compared
// case-insensitively, on every way in — CBS tokens, AMQP SASL PLAIN and the Kafka endpoint.

const PRIMARY = 'cHJpbWFyeS1rZXktb2YtYXBw';
const SECONDARY = 'c2Vjb25kYXJ5LWtleS1vZi1hcHA=';
const OTHER = 'b3RoZXIta2V5';
let emulator: RunningEventHubsEmulator;
let kafkaPort: number;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eh-policies-'));
  const file = join(dir, 'emulator.json');
  writeFileSync(
    file,
    JSON.stringify({
      eventhubs: {
        hubs: [{ name: 'orders', partitionCount: 1 }],
        authorizationRules: [
          { name: 'App', primaryKey: PRIMARY, secondaryKey: SECONDARY, rights: ['Send'] },
          { name: 'other', primaryKey: OTHER, rights: ['Listen'] },
        ],
      },
    }),
  );
  emulator = await startEventHubsEmulator({ config: file, kafkaPort: 0 });
  kafkaPort = Number(emulator.info().kafka!.bootstrapServers.split(':').at(-1));
});
afterAll(() => emulator?.close());

const connectionString = (name: string, key: string) => `Endpoint=sb://127.0.0.1:${emulator.port};SharedAccessKeyName=${name};SharedAccessKey=${key};UseDevelopmentEmulator=true`;
const noRetry = { retryOptions: { maxRetries: 0, timeoutInMs: 5000 } };

async function sends(name: string, key: string): Promise<boolean> {
  const producer = new EventHubProducerClient(connectionString(name, key), 'orders', noRetry);
  try {
    await producer.sendBatch([{ body: 'hello' }], { partitionId: '0' });
    return true;
  } catch {
    return false;
  } finally {
    await producer.close();
  }
}

function plainLogin(username: string, password: string): Promise<boolean> {
  const container = rhea.create_container({ id: 'policy-client' });
  return new Promise((resolve) => {
    const connection = container.connect({ host: '127.0.0.1', port: emulator.port, username, password, reconnect: false } as never);
    connection.once('connection_open', () => {
      connection.close();
      resolve(true);
    });
    connection.once('connection_error', () => resolve(false));
    connection.once('disconnected', () => resolve(false));
  });
}

describe('policies from the config file', () => {
  test('a CBS token signed with the primary or the secondary key passes, whatever the case of the name', async () => {
    expect(await sends('App', PRIMARY)).toBe(true);
    expect(await sends('app', SECONDARY)).toBe(true);
    expect(await sends('APP', OTHER)).toBe(false);
  });

  test('a policy grants only its rights: Listen alone cannot send', async () => {
    expect(await sends('other', OTHER)).toBe(false);
  });

  test('SASL PLAIN takes either key and the name in any case', async () => {
    expect(await plainLogin('app', SECONDARY)).toBe(true);
    expect(await plainLogin('APP', PRIMARY)).toBe(true);
    expect(await plainLogin('App', OTHER)).toBe(false);
  });

  test('the Kafka endpoint takes a connection string with either key and the name in any case', async () => {
    const login = async (name: string, key: string) => (await RawClient.open(kafkaPort)).login('$ConnectionString', `Endpoint=sb://127.0.0.1/;SharedAccessKeyName=${name};SharedAccessKey=${key}`);
    expect(await login('aPp', SECONDARY)).toBe(0);
    expect(await login('App', PRIMARY)).toBe(0);
    expect(await login('App', OTHER)).toBe(58);
  });

  test('a config that names a policy twice, or gives both lists, is refused', async () => {
    const twice = { name: 'dup', key: OTHER, rights: ['Send' as const] };
    await expect(startEventHubsEmulator({ config: { authorizationRules: [twice, { ...twice, name: 'DUP' }] } })).rejects.toThrow(/unique rule names/);
    await expect(startEventHubsEmulator({ config: { authorizationRules: [], policies: [] } })).rejects.toThrow(/not both/);
  });
});
