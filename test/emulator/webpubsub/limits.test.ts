import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { clientUrl, connectRaw, JSON_PROTOCOL } from './helpers.js';

// Issue 10 finding 6: a client that stops reading, or outruns a slow event handler, is closed once its
// per-connection bound is passed, instead of queueing without end. Small limits keep the test fast.

let emulator: RunningWebPubSubEmulator;
let upstream: Server;
const stalled: ServerResponse[] = [];

beforeAll(async () => {
  // An event handler that passes abuse protection and then never answers an event.
  upstream = createServer((req, res) => {
    if (req.method === 'OPTIONS') res.writeHead(200, { 'WebHook-Allowed-Origin': '*' }).end();
    else if (req.url?.startsWith('/big/')) res.writeHead(200, { 'content-type': 'text/plain' }).end('z'.repeat(2 * 1024 * 1024));
    else stalled.push(res);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as { port: number }).port;
  emulator = await startWebPubSubEmulator({
    port: 0,
    limits: { maxOutboundBufferBytes: 256 * 1024, maxUpstreamQueueFrames: 20, maxUpstreamQueueBytes: 1024 * 1024 },
    hubs: {
      slowHandler: { eventHandlers: [{ urlTemplate: `http://127.0.0.1:${port}/{event}`, userEventPattern: '*' }] },
      bigAnswer: { eventHandlers: [{ urlTemplate: `http://127.0.0.1:${port}/big/{event}`, userEventPattern: '*' }] },
    },
  });
});
afterAll(async () => {
  await emulator.close();
  for (const res of stalled) res.destroy();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

describe('per-connection limits', () => {
  it('closes a client that stops reading once its outbound buffer passes the limit, and counts it', async () => {
    const hub = 'slowReader';
    const reader = await connectRaw(await clientUrl(emulator, hub), JSON_PROTOCOL);
    const { connectionId } = await reader.next((m) => m.type === 'system');
    (reader.ws as unknown as { _socket: Socket })._socket.pause(); // stops reading; the kernel buffers fill, then ws's
    const service = new WebPubSubServiceClient(emulator.connectionString, hub, { allowInsecureConnection: true });
    const chunk = 'x'.repeat(256 * 1024);
    // Loopback kernel buffers take a few MB before the emulator has to hold anything; 64 MB is far past that.
    for (let sent = 0; sent < 256 && emulator.connectionIds(hub).length > 0; sent++) {
      await service.sendToConnection(connectionId as string, chunk, { contentType: 'text/plain' });
    }
    expect(emulator.connectionIds(hub)).toEqual([]);
    expect(emulator.stats().slowClientsClosed).toBe(1);
    reader.ws.terminate();
  });

  it('a client that keeps reading is not closed by the same traffic', async () => {
    const hub = 'fastReader';
    const reader = await connectRaw(await clientUrl(emulator, hub), JSON_PROTOCOL);
    const { connectionId } = await reader.next((m) => m.type === 'system');
    const service = new WebPubSubServiceClient(emulator.connectionString, hub, { allowInsecureConnection: true });
    for (let i = 0; i < 40; i++) await service.sendToConnection(connectionId as string, `${i}:${'y'.repeat(64 * 1024)}`, { contentType: 'text/plain' });
    await reader.next((m) => typeof m.data === 'string' && m.data.startsWith('39:'));
    expect(await service.connectionExists(connectionId as string)).toBe(true);
    reader.ws.close();
  });

  it('closes a client whose frames wait on a stalled event handler past the queue limit (1013), and counts it', async () => {
    const client = await connectRaw(await clientUrl(emulator, 'slowHandler'), JSON_PROTOCOL);
    await client.next((m) => m.type === 'system');
    for (let i = 0; i < 100; i++) client.send({ type: 'event', event: 'tick', dataType: 'text', data: `e${i}`, ackId: i + 1 });
    const closed = await client.closed;
    expect(closed.code).toBe(1013);
    expect(closed.reason).toMatch(/event handler/);
    expect(emulator.stats().upstreamQueueOverflows).toBe(1);
  });

  it("reads at most one message (1 MiB) of an event handler's answer: a larger one is a failed call, not relayed", async () => {
    const client = await connectRaw(await clientUrl(emulator, 'bigAnswer'), JSON_PROTOCOL);
    await client.next((m) => m.type === 'system');
    client.send({ type: 'event', event: 'ask', dataType: 'text', data: 'q', ackId: 1 });
    expect(await client.closed).toEqual({ code: 1008, reason: 'Upstream event handler failed' });
    expect(client.messages.filter((m) => m.type === 'message')).toEqual([]);
  });
});
