import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { WebPubSubClient } from '@azure/web-pubsub-client';
import { WebPubSubEventHandler, type ConnectRequest, type ConnectedRequest, type DisconnectedRequest, type UserEventRequest } from '@azure/web-pubsub-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../src/emulator/webpubsub/index.js';
import { until } from '../shared/until.js';

// The official upstream middleware (@azure/web-pubsub-express) behind a plain node:http server
// (express is not installed; the middleware only needs req.baseUrl/req.path as express sets them),
// driven by the emulator for events raised by the official client.

const HUB = 'expressHub';
let emulator: RunningWebPubSubEmulator;
let upstream: Server;
let middleware: ((req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => Promise<void>) | undefined;
const events: { connect: ConnectRequest[]; connected: ConnectedRequest[]; user: UserEventRequest[]; disconnected: DisconnectedRequest[] } = { connect: [], connected: [], user: [], disconnected: [] };

const userStates: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    Object.assign(req, { baseUrl: '', path: url.pathname });
    void middleware!(req, res, () => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as { port: number }).port;
  emulator = await startWebPubSubEmulator({
    port: 0,
    hubs: {
      [HUB]: {
        eventHandlers: [{ urlTemplate: `http://127.0.0.1:${upstreamPort}/api/webpubsub/hubs/${HUB}/{event}`, userEventPattern: '*', systemEvents: ['connect', 'connected', 'disconnected'] }],
      },
    },
  });
  const handler = new WebPubSubEventHandler(HUB, {
    // Only the emulator's origin is allowed: proves WebHook-Request-Origin is right.
    allowedEndpoints: [emulator.endpoint],
    handleConnect: (req, res) => {
      events.connect.push(req);
      res.setState('visits', 1);
      res.success({ userId: 'from-express', groups: ['express-group'], roles: ['webpubsub.sendToGroup'] });
    },
    handleUserEvent: (req, res) => {
      events.user.push(req);
      userStates.push({ ...req.context.states }); // setState below mutates context.states
      if (req.context.eventName === 'reject') return res.fail(500, 'no');
      res.setState('visits', Number(req.context.states.visits) + 1);
      res.success(`echo:${String(req.data)}`, 'text');
    },
    onConnected: (req) => {
      events.connected.push(req);
    },
    onDisconnected: (req) => {
      events.disconnected.push(req);
    },
  });
  middleware = handler.getMiddleware() as typeof middleware;
});
afterAll(async () => {
  await emulator.close();
  await new Promise((resolve) => upstream.close(resolve));
});

describe('@azure/web-pubsub-express receives the emulator events', () => {
  it('connect (with claims and state), connected, user events with replies, disconnected', async () => {
    const service = new WebPubSubServiceClient(emulator.connectionString, HUB, { allowInsecureConnection: true });
    const { url } = await service.getClientAccessToken({ userId: 'token-user', roles: ['webpubsub.joinLeaveGroup'] });
    const client = new WebPubSubClient(url);
    const serverMessages: unknown[] = [];
    client.on('server-message', (e) => serverMessages.push(e.message.data));
    const connected = new Promise<{ connectionId: string; userId: string }>((resolve) => client.on('connected', (e) => resolve(e)));
    await client.start();
    const { connectionId, userId } = await connected;
    expect(userId).toBe('from-express');

    expect(events.connect).toHaveLength(1);
    const connect = events.connect[0]!;
    // [?] hub names are case-insensitive; like Microsoft's emulator we send them lowercased.
    expect(connect.context).toMatchObject({ hub: HUB.toLowerCase(), connectionId, userId: 'token-user', eventName: 'connect', origin: `127.0.0.1:${emulator.port}` });
    expect(connect.context.signature).toBe(`sha256=${createHmac('sha256', emulator.accessKey).update(connectionId).digest('hex')}`);
    expect(connect.claims?.role).toEqual(['webpubsub.joinLeaveGroup']);
    expect(connect.subprotocols).toEqual(['json.reliable.webpubsub.azure.v1']);

    await until(() => events.connected.length === 1);
    expect(events.connected[0]!.context).toMatchObject({ connectionId, userId: 'from-express', states: { visits: 1 } });

    // roles and groups from the connect response: the client may send to the group it was put in
    expect(await client.sendToGroup('express-group', 'ok', 'text')).toMatchObject({ isDuplicated: false });

    await client.sendEvent('echo', 'hello', 'text');
    await until(() => serverMessages.length === 1);
    expect(serverMessages).toEqual(['echo:hello']);
    expect(events.user[0]).toMatchObject({ data: 'hello', dataType: 'text' });
    expect(userStates[0]).toEqual({ visits: 1 });
    await client.sendEvent('echo', { n: 2 }, 'json');
    await until(() => serverMessages.length === 2);
    expect(events.user[1]).toMatchObject({ data: { n: 2 }, dataType: 'json' });
    expect(userStates[1]).toEqual({ visits: 2 });

    // invoke: the same upstream user event, answered with an invokeResponse to the caller only
    expect(await client.invokeEvent('echo', 'ask', 'text')).toMatchObject({ dataType: 'text', data: 'echo:ask' });
    expect(serverMessages).toHaveLength(2);
    await expect(client.invokeEvent('reject', 'x', 'text', { })).rejects.toMatchObject({ name: 'InvocationError', errorDetail: { name: 'InternalServerError' } });

    const stopped = new Promise((resolve) => client.on('stopped', resolve));
    client.stop();
    await stopped;
    await until(() => events.disconnected.length === 1);
    expect(events.disconnected[0]!.context.connectionId).toBe(connectionId);
    expect(typeof events.disconnected[0]!.reason).toBe('string');
  });

  it('a 4xx from handleConnect rejects the client handshake', async () => {
    let connectCalls = 0;
    const rejecting = new WebPubSubEventHandler(HUB, {
      handleConnect: (_req, res) => {
        connectCalls++;
        res.fail(401, 'go away');
      },
    });
    const previous = middleware;
    middleware = rejecting.getMiddleware() as typeof middleware;
    try {
      const service = new WebPubSubServiceClient(emulator.connectionString, HUB, { allowInsecureConnection: true });
      const client = new WebPubSubClient((await service.getClientAccessToken()).url, { reconnectRetryOptions: { maxRetries: 0 } });
      await expect(client.start()).rejects.toThrow();
      client.stop();
      expect(connectCalls).toBe(1); // refused by the handler, not by anything else
    } finally {
      middleware = previous;
    }
  });
});
