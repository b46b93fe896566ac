import { WebPubSubServiceClient as OfficialServiceClient } from '@azure/web-pubsub';
import { WebPubSubClient, WebPubSubJsonProtocol } from '@azure/web-pubsub-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { decodeJwt } from '../../src/core/jwt.js';
import { WebPubSubServiceClient as CoreServiceClient } from '../../src/core/webpubsub/service-client.js';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../src/emulator/webpubsub/index.js';
import { WebPubSubServiceClient as NodeServiceClient } from '../../src/node/webpubsub.js';

// Client access tokens: ours against @azure/web-pubsub 1.2.0's for the same inputs (same claims,
// and with the clock frozen the same bytes), and accepted by the emulator for the official client.

const HUB = 'tokens';
let emulator: RunningWebPubSubEmulator;
const clients: WebPubSubClient[] = [];

beforeAll(async () => {
  emulator = await startWebPubSubEmulator({ port: 0 });
});
afterAll(async () => {
  for (const client of clients) client.stop();
  await emulator.close();
});
afterEach(() => {
  vi.useRealTimers();
});

const CASES = [
  {},
  { userId: 'alice' },
  { userId: 'bob', roles: ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup.room'], groups: ['room', 'lobby'] },
  { roles: [], groups: [] },
  { userId: 'ü-ñ 漢', expirationTimeInMinutes: 5 },
  { userId: 'mq', clientProtocol: 'mqtt' as const },
  { clientProtocol: 'socketio' as const, expirationTimeInMinutes: 1.5 },
];

describe('client access tokens vs @azure/web-pubsub', () => {
  const connectionString = 'Endpoint=https://contoso.webpubsub.azure.com;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;';

  for (const options of CASES) {
    it(`mints the same token and URLs for ${JSON.stringify(options)}`, async () => {
      // jsonwebtoken and we both read Date.now(); freezing it makes iat/exp, hence the bytes, comparable.
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-22T12:00:00.400Z') });
      const official = await new OfficialServiceClient(connectionString, 'chat').getClientAccessToken(options);
      for (const ours of [new CoreServiceClient(connectionString, 'chat'), new NodeServiceClient(connectionString, 'chat')]) {
        const mine = await ours.getClientAccessToken(options);
        expect(decodeJwt(mine.token).payload).toEqual(decodeJwt(official.token).payload);
        expect(decodeJwt(mine.token).header).toEqual(decodeJwt(official.token).header);
        expect(mine).toEqual(official);
      }
    });
  }
});

describe('our client tokens against the emulator, with the official client', () => {
  async function start(url: string) {
    const client = new WebPubSubClient(url, { protocol: WebPubSubJsonProtocol(), autoReconnect: false, messageRetryOptions: { maxRetries: 0 } });
    clients.push(client);
    const connected = new Promise<{ connectionId: string; userId?: string }>((resolve) => client.on('connected', (e) => resolve(e)));
    await client.start();
    return { client, connected: await connected };
  }

  it('connects as the token user; roles and auto-joined groups take effect', async () => {
    const ours = new NodeServiceClient(emulator.connectionString, HUB);
    const withRole = await ours.getClientAccessToken({ userId: 'alice', roles: ['webpubsub.joinLeaveGroup.room'], groups: ['lobby'] });
    const { client: alice, connected } = await start(withRole.url);
    expect(connected.userId).toBe('alice');
    await alice.joinGroup('room');
    await expect(alice.joinGroup('other')).rejects.toThrow();
    expect(await ours.groupExists('room')).toBe(true);
    expect(await ours.groupExists('lobby')).toBe(true);
    expect(await ours.groupExists('other')).toBe(false);
  });

  it('is accepted from the browser-default path too (WebCrypto HMAC)', async () => {
    const ours = new CoreServiceClient(emulator.connectionString, HUB);
    const { connected } = await start((await ours.getClientAccessToken({ userId: 'carol' })).url);
    expect(connected.userId).toBe('carol');
  });

  it('is rejected when signed with another key or for another hub', async () => {
    const wrongKey = new NodeServiceClient(emulator.connectionString.replace(/AccessKey=[^;]+/, 'AccessKey=another-key'), HUB);
    const forged = (await wrongKey.getClientAccessToken({ userId: 'mallory' })).url;
    await expect(start(forged)).rejects.toThrow();
    const otherHub = await new NodeServiceClient(emulator.connectionString, 'elsewhere').getClientAccessToken({ userId: 'mallory' });
    const misdirected = otherHub.url.replace('/hubs/elsewhere', `/hubs/${HUB}`);
    await expect(start(misdirected)).rejects.toThrow();
    // The refusals are the emulator's 401, not some other failure.
    expect(await handshakeStatus(forged)).toBe(401);
    expect(await handshakeStatus(misdirected)).toBe(401);
  });
});

/** The HTTP status of a WebSocket handshake (101 when it opens). */
function handshakeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('error', () => undefined);
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
  });
}
