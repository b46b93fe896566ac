import { WebPubSubClient, WebPubSubJsonProtocol } from '@azure/web-pubsub-client';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealtimeError } from '../../src/core/errors.js';
import type { ConnectRequest, FetchHandler, UserEventRequest } from '../../src/core/webpubsub/event-handler.js';
import { EMULATOR_WEBPUBSUB_ACCESS_KEY } from '../../src/emulator/defaults.js';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../src/emulator/webpubsub/index.js';
import { WebPubSubServiceClient, createWebPubSubEventHandler, toNodeListener } from '../../src/node/webpubsub.js';
import { until } from '../shared/until.js';

// Not an interop test: both ends of the upstream wire are ours (the official client only drives the
// connection). Our fetch-style upstream handler on a plain node:http server (toNodeListener), called by the emulator's
// upstream (which signs ce-signature as the service does), with official clients as the callers.

const seen: { connect: ConnectRequest[]; user: UserEventRequest[]; connected: string[]; disconnected: string[] } = { connect: [], user: [], connected: [], disconnected: [] };
let rejectNext = false;
const handlers: Record<string, FetchHandler> = {
  // The right key: events are verified and dispatched.
  good: createWebPubSubEventHandler({
    hub: 'upstream',
    accessKeys: ['not-this-one', EMULATOR_WEBPUBSUB_ACCESS_KEY],
    handleConnect: (request) => {
      seen.connect.push(request);
      if (rejectNext) throw new RealtimeError('unauthorized', 'go away', { status: 401 });
      request.context.setState('greeting', 'hi');
      return { userId: `handler-${request.claims?.sub?.[0] ?? 'anon'}`, groups: ['from-handler'] };
    },
    handleUserEvent: (request) => {
      seen.user.push(request);
      return { dataType: 'json', data: { echo: request.data, state: request.context.states.greeting ?? null } };
    },
    onConnected: ({ context }) => void seen.connected.push(context.userId ?? ''),
    onDisconnected: ({ context }) => void seen.disconnected.push(context.userId ?? ''),
  }),
  // A handler that holds another key: every event the emulator signs is rejected with 401.
  wrongKey: createWebPubSubEventHandler({ hub: 'upstream', accessKeys: ['another-key'], handleConnect: () => ({ userId: 'never' }) }),
};
const statuses: Record<string, number[]> = { good: [], wrongKey: [] };

let app: Server;
let appOrigin = '';
let emulator: RunningWebPubSubEmulator;
const clients: WebPubSubClient[] = [];

beforeAll(async () => {
  // Each handler mounted through toNodeListener, recording the statuses it answers POSTs with.
  const listeners = Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [
      name,
      toNodeListener(async (request) => {
        const response = await handler(request);
        if (request.method === 'POST') statuses[name]!.push(response.status);
        return response;
      }),
    ]),
  );
  app = createServer((req, res) => {
    const listener = listeners[(req.url ?? '').split('/')[1] ?? ''];
    if (listener) listener(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appOrigin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  const eventHandler = (name: string) => [{ urlTemplate: `${appOrigin}/${name}/{event}`, userEventPattern: '*', systemEvents: ['connect' as const, 'connected' as const, 'disconnected' as const] }];
  emulator = await startWebPubSubEmulator({ port: 0, hubs: { upstream: { eventHandlers: eventHandler('good') }, guarded: { eventHandlers: eventHandler('wrongKey') } } });
});
afterAll(async () => {
  for (const client of clients) client.stop();
  await emulator.close();
  await new Promise<void>((resolve) => app.close(() => resolve()));
});

async function start(hub: string, userId?: string) {
  const { url } = await new WebPubSubServiceClient(emulator.connectionString, hub).getClientAccessToken(userId ? { userId } : {});
  const client = new WebPubSubClient(url, { protocol: WebPubSubJsonProtocol(), autoReconnect: false, messageRetryOptions: { maxRetries: 0 } });
  clients.push(client);
  const connected = new Promise<{ connectionId: string; userId?: string }>((resolve) => client.on('connected', (e) => resolve(e)));
  await client.start();
  return { client, connected: await connected };
}

describe('createWebPubSubEventHandler behind the emulator upstream', () => {
  it('verifies the emulator signature and lets connect set the user, groups and state', async () => {
    const { client, connected } = await start('upstream', 'alice');
    expect(connected.userId).toBe('handler-alice');
    const request = seen.connect.at(-1)!;
    expect(request.context.signature).toMatch(/^sha256=[0-9a-f]{64}/);
    expect(request.context).toMatchObject({ hub: 'upstream', connectionId: connected.connectionId, eventName: 'connect' });
    expect(await new WebPubSubServiceClient(emulator.connectionString, 'upstream').groupExists('from-handler')).toBe(true);
    await until(() => seen.connected.includes('handler-alice'), 'connected event');

    const replies: unknown[] = [];
    client.on('server-message', (e) => replies.push(e.message.data));
    await client.sendEvent('echo', { n: 1 }, 'json');
    await until(() => replies.length === 1, 'user event reply');
    expect(replies[0]).toEqual({ echo: { n: 1 }, state: 'hi' });
    expect(seen.user.at(-1)).toMatchObject({ dataType: 'json', data: { n: 1 }, context: { eventName: 'echo', userId: 'handler-alice' } });

    client.stop();
    await until(() => seen.disconnected.includes('handler-alice'), 'disconnected event');
  });

  it("rejects the handshake with the handler's 401", async () => {
    rejectNext = true;
    try {
      await expect(start('upstream', 'mallory')).rejects.toThrow();
      expect(seen.connect.at(-1)?.claims?.sub).toEqual(['mallory']);
    } finally {
      rejectNext = false;
    }
  });

  it('answers 401 to events signed with another key, so the client cannot connect', async () => {
    await expect(start('guarded', 'eve')).rejects.toThrow();
    expect(statuses.wrongKey).toContain(401);
    expect(statuses.wrongKey.every((status) => status === 401)).toBe(true);
  });
});
