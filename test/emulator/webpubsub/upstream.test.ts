import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { clientUrl, connectRaw, isAck, JSON_PROTOCOL } from './helpers.js';

// A plain node:http upstream records every request the emulator makes and answers per test.

interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let emulator: RunningWebPubSubEmulator;
let upstream: Server;
const recorded: Recorded[] = [];
let answer: (request: Recorded, res: ServerResponse) => void = (_req, res) => res.writeHead(204).end();
const waiters = new Set<() => void>();

function nextRequest(predicate: (r: Recorded) => boolean, timeoutMs = 3000): Promise<Recorded> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = recorded.find(predicate);
      if (found) {
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      }
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`no matching upstream request; got ${recorded.map((r) => `${r.method} ${r.path}`).join(', ')}`));
    }, timeoutMs);
    waiters.add(check);
    check();
  });
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      recorded.push(request);
      if (req.method === 'OPTIONS') res.writeHead(200, { 'WebHook-Allowed-Origin': '*' }).end();
      else answer(request, res);
      for (const wake of [...waiters]) wake();
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as { port: number }).port;
  const handler = { urlTemplate: `http://127.0.0.1:${port}/upstream/{hub}/{event}`, userEventPattern: '*', systemEvents: ['connect', 'connected', 'disconnected'] as const };
  emulator = await startWebPubSubEmulator({
    port: 0,
    hubs: { events: { eventHandlers: [{ ...handler, systemEvents: [...handler.systemEvents] }] }, rejected: { eventHandlers: [{ urlTemplate: `http://127.0.0.1:1/nothing`, systemEvents: ['connect'] }] } },
  });
});
afterAll(async () => {
  await emulator.close();
  await new Promise((resolve) => upstream.close(resolve));
});

describe('upstream CloudEvents', () => {
  it('validates with OPTIONS first, then sends connect/connected with every ce-* header and a correct signature', async () => {
    answer = (req, res) => {
      if (req.headers['ce-type'] === 'azure.webpubsub.sys.connect') {
        res.writeHead(200, { 'content-type': 'application/json', 'ce-connectionState': Buffer.from('{"k":"v"}').toString('base64') }).end(JSON.stringify({ userId: 'from-handler', groups: ['handler-group'], roles: ['webpubsub.sendToGroup'] }));
      } else res.writeHead(204).end();
    };
    const client = await connectRaw(await clientUrl(emulator, 'events', { userId: 'token-user', query: 'extra=1' }), JSON_PROTOCOL);
    const connected = await client.next((m) => m.type === 'system');
    expect(connected.userId).toBe('from-handler');
    const options = recorded.find((r) => r.method === 'OPTIONS')!;
    expect(options.path).toBe('/upstream/events/validate');
    expect(options.headers['webhook-request-origin']).toBe(`127.0.0.1:${emulator.port}`);
    expect(options.headers['ce-awpsversion']).toBe('1.0');
    expect(recorded.indexOf(options)).toBeLessThan(recorded.findIndex((r) => r.method === 'POST'));

    const connect = await nextRequest((r) => r.headers['ce-type'] === 'azure.webpubsub.sys.connect');
    const id = connected.connectionId as string;
    expect(connect.path).toBe('/upstream/events/connect');
    expect(connect.headers).toMatchObject({
      'ce-specversion': '1.0',
      'ce-awpsversion': '1.0',
      'ce-hub': 'events',
      'ce-eventname': 'connect',
      'ce-connectionid': id,
      'ce-userid': 'token-user',
      'ce-source': `/hubs/events/client/${id}`,
      'ce-signature': `sha256=${createHmac('sha256', emulator.accessKey).update(id).digest('hex')}`,
      'webhook-request-origin': `127.0.0.1:${emulator.port}`,
    });
    expect(connect.headers['ce-id']).toBeTruthy();
    expect(Number.isNaN(Date.parse(String(connect.headers['ce-time'])))).toBe(false);
    const body = JSON.parse(connect.body.toString()) as { claims: Record<string, string[]>; query: Record<string, string[]>; subprotocols: string[] };
    expect(body.claims.sub).toEqual(['token-user']);
    expect(body.query.extra).toEqual(['1']);
    expect(body.query.access_token).toBeUndefined();
    expect(body.subprotocols).toEqual([JSON_PROTOCOL]);

    const connectedEvent = await nextRequest((r) => r.headers['ce-type'] === 'azure.webpubsub.sys.connected');
    expect(connectedEvent.headers['ce-userid']).toBe('from-handler');
    expect(connectedEvent.headers['ce-subprotocol']).toBe(JSON_PROTOCOL);
    expect(connectedEvent.headers['ce-connectionstate']).toBe(Buffer.from('{"k":"v"}').toString('base64'));

    // roles and groups from the connect response apply
    client.send({ type: 'sendToGroup', group: 'handler-group', dataType: 'text', data: 'self', ackId: 1 });
    expect(await client.next(isAck(1))).toMatchObject({ success: true });
    expect(await client.next((m) => m.type === 'message')).toMatchObject({ group: 'handler-group', data: 'self', fromUserId: 'from-handler' });

    client.ws.close();
    const disconnected = await nextRequest((r) => r.headers['ce-type'] === 'azure.webpubsub.sys.disconnected' && r.headers['ce-connectionid'] === id);
    expect(JSON.parse(disconnected.body.toString())).toHaveProperty('reason');
  });

  it('passes a 4xx from the connect handler through as the handshake status', async () => {
    answer = (req, res) => res.writeHead(req.headers['ce-type'] === 'azure.webpubsub.sys.connect' ? 403 : 204).end();
    await expect(connectRaw(await clientUrl(emulator, 'events'), JSON_PROTOCOL)).rejects.toMatchObject({ status: 403 });
    await expect(connectRaw(await clientUrl(emulator, 'rejected'), JSON_PROTOCOL)).rejects.toMatchObject({ status: 500 });
  });

  it('sends user events with the payload content type and returns the response body to the caller only', async () => {
    answer = (req, res) => {
      if (req.headers['ce-type'] === 'azure.webpubsub.user.echo') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ echoed: req.body.toString(), type: req.headers['content-type'] }));
      } else if (req.headers['ce-type'] === 'azure.webpubsub.user.fail') res.writeHead(500).end();
      else res.writeHead(204).end();
    };
    const client = await connectRaw(await clientUrl(emulator, 'events'), JSON_PROTOCOL);
    await client.next((m) => m.type === 'system');
    client.send({ type: 'event', event: 'echo', dataType: 'text', data: 'hi there', ackId: 5 });
    expect(await client.next(isAck(5))).toMatchObject({ success: true });
    expect(await client.next((m) => m.type === 'message')).toEqual({ type: 'message', from: 'server', dataType: 'json', data: { echoed: 'hi there', type: 'text/plain' } });
    const request = await nextRequest((r) => r.headers['ce-type'] === 'azure.webpubsub.user.echo');
    expect(request.headers['ce-eventname']).toBe('echo');
    client.send({ type: 'event', event: 'fail', dataType: 'json', data: {} });
    expect((await client.closed).code).toBe(1008);
  });
});
