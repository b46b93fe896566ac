import type { OnGroupDataMessageArgs, WebPubSubClient } from '@azure/web-pubsub-client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { WebPubSubServiceClient, createNegotiateHandler } from '../../../src/core/webpubsub/index.js';
import { createWebPubSubClient } from '../../../src/core/webpubsub/client.js';
import { until } from '../until.js';

// The client helper end to end over WebSockets only (no cross-origin REST, so it runs in Chromium
// today): tokens minted here (WebCrypto in the browser), handed out by our negotiate handler, and
// used by the official @azure/web-pubsub-client (its browser build in Chromium, `ws` in Node).

const connectionString = inject('emulator').webpubsub?.connectionString as string;
const clients: WebPubSubClient[] = [];
afterAll(() => {
  for (const client of clients) client.stop();
});

async function started(client: WebPubSubClient): Promise<{ connectionId: string; userId?: string }> {
  clients.push(client);
  const connected = new Promise<{ connectionId: string; userId?: string }>((resolve) => client.on('connected', (e) => resolve(e)));
  await client.start();
  return connected;
}

describe('createWebPubSubClient against the emulator', () => {
  it('connects through our negotiate handler (called as the fetch of the helper) and uses the token roles', async () => {
    const hub = `helper${Date.now().toString(36)}`;
    const service = new WebPubSubServiceClient(connectionString, hub);
    let negotiations = 0;
    const negotiate = createNegotiateHandler({
      serviceClient: service,
      authenticate: (request) => {
        negotiations++;
        return request.headers.get('authorization') === 'Bearer app-session' ? { userId: 'alice', roles: ['webpubsub.joinLeaveGroup.room', 'webpubsub.sendToGroup.room'] } : null;
      },
    });
    const client = createWebPubSubClient(
      { negotiateUrl: 'https://app.example/negotiate', requestInit: { headers: { authorization: 'Bearer app-session' } }, fetch: async (url, init) => negotiate(new Request(url, init)) },
      // No message retries: the refused joinGroup below would otherwise be retried 3 times, 1 s apart.
      { autoReconnect: false, messageRetryOptions: { maxRetries: 0 } },
    );
    const connected = await started(client);
    expect(connected.userId).toBe('alice');
    expect(negotiations).toBe(1);

    const got: OnGroupDataMessageArgs['message'][] = [];
    client.on('group-message', (e) => got.push(e.message));
    await client.joinGroup('room');
    await client.sendToGroup('room', { hi: 'room' }, 'json');
    await expect(client.joinGroup('elsewhere')).rejects.toThrow();
    await until(() => got.length > 0, 'a group message');
    expect(got[0]).toMatchObject({ group: 'room', fromUserId: 'alice', dataType: 'json', data: { hi: 'room' } });
  });

  it('fails to start when negotiate refuses the caller', async () => {
    const service = new WebPubSubServiceClient(connectionString, 'helperRefused');
    const negotiate = createNegotiateHandler({ serviceClient: service, authenticate: () => null });
    const client = createWebPubSubClient({ negotiateUrl: 'https://app.example/negotiate', fetch: async (url, init) => negotiate(new Request(url, init)) }, { autoReconnect: false });
    clients.push(client);
    await expect(client.start()).rejects.toThrow();
  });

  it('connects from a token provider returning getClientAccessToken()', async () => {
    const service = new WebPubSubServiceClient(connectionString, 'helperProvider');
    const client = createWebPubSubClient({ getClientAccessUrl: () => service.getClientAccessToken({ userId: 'bob' }) }, { autoReconnect: false });
    expect((await started(client)).userId).toBe('bob');
  });
});
