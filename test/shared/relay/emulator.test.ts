import { afterEach, describe, expect, inject, it } from 'vitest';
import { decodeEnvelope, decodeQuickstartMessage, encodeQuickstartMessage } from '../../../src/core/codec/envelope.js';
import { HybridConnectionClient, HybridConnectionListener, type RelayConnection } from '../../../src/core/relay/index.js';
import type { WebSocketCtor } from '../../../src/core/transport.js';
import { toFrameData } from '../../../src/core/frame-data.js';
import { inBrowser, nextMessage, runtimeWebSocket, uniquePath } from './socket.js';

// One suite for Node (ws, token in the ServiceBusAuthorization header) and Chromium (the global
// WebSocket, token in sb-hc-token), both against the relay emulator the global setup started.

const connectionString = inject('emulator').relay!.connectionString;
const open: HybridConnectionListener[] = [];
let WebSocket: WebSocketCtor;

async function listen(path: string, options: ConstructorParameters<typeof HybridConnectionListener>[1] = {}) {
  WebSocket ??= await runtimeWebSocket();
  const listener = new HybridConnectionListener(connectionString, { path, WebSocket, ...options });
  open.push(listener);
  await listener.open();
  return listener;
}

async function client(path: string) {
  WebSocket ??= await runtimeWebSocket();
  return new HybridConnectionClient(connectionString, { path, WebSocket });
}

function nextConnection(listener: HybridConnectionListener): Promise<RelayConnection> {
  return new Promise((resolve) => {
    const off = listener.on('connection', (connection) => {
      off();
      resolve(connection);
    });
  });
}

// Cross-origin in the browser: the app itself answers CORS, as on the real service (note §1.5).
const cors = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'via, x-seen-method, x-seen-length' };

// Chromium lets only one WebSocket per IP:port be CONNECTING at a time (RFC 6455 §4.1; measured:
// per resolved address and port, so `localhost` and 127.0.0.1 share the limit). A sender's connect
// stays CONNECTING until the listener dials the rendezvous; the emulator serves rendezvous on a
// second port (as the service uses another gateway host), so both ends can live in one browser.

afterEach(async () => {
  await Promise.all(open.splice(0).map((listener) => listener.close()));
});

describe(`relay client against the emulator (${inBrowser ? 'Chromium' : 'Node'})`, () => {
  it('relays text and binary both ways over an accepted WebSocket, with the app path and query', async () => {
    const path = uniquePath('ws');
    const listener = await listen(path);
    expect(listener.status).toBe('online');
    const accepted = nextConnection(listener);
    const sender = await (await client(path)).createConnection({ suffix: 'room/7', query: { lang: 'ts' }, protocols: ['chat.v1'] });
    const { socket, request } = await accepted;
    expect(new URL(request.url).pathname).toBe(`/${path}/room/7`);
    expect(new URL(request.url).searchParams.get('lang')).toBe('ts');
    expect([...new URL(request.url).searchParams.keys()].some((k) => k.startsWith('sb-hc-'))).toBe(false);
    expect(request.protocols).toEqual(['chat.v1']);
    expect(sender.protocol).toBe('chat.v1');

    const atListener = nextMessage(socket);
    sender.send(encodeQuickstartMessage('hello from the sender'));
    expect(decodeQuickstartMessage(toFrameData(await atListener))).toBe('hello from the sender');

    const atSender = nextMessage(sender);
    socket.send(new Uint8Array([1, 2, 3, 250]));
    expect(decodeEnvelope(toFrameData(await atSender))).toEqual({ type: 'binary', data: new Uint8Array([1, 2, 3, 250]) });

    const closed = new Promise<number>((resolve) => (sender.onclose = (event) => resolve(event.code)));
    socket.close(1000, 'done');
    expect(await closed).toBe(1000);
  });

  it('lets the accept hook reject with a status; the sender fails with a typed error', async () => {
    const path = uniquePath('reject');
    const seen: string[] = [];
    const listener = await listen(path, {
      acceptHandler: (request) => {
        seen.push(request.id);
        return { status: 403, statusDescription: 'members only' };
      },
    });
    const accepted: unknown[] = [];
    listener.on('connection', (connection) => accepted.push(connection));
    const failure = await (await client(path)).createConnection({ id: 'trace-42' }).catch((error) => error);
    expect(failure).toMatchObject({ name: 'RealtimeError' });
    // Browsers hide handshake statuses; Node's ws reports the one the listener chose.
    if (!inBrowser) expect(failure).toMatchObject({ code: 'forbidden', status: 403 });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain('trace-42');
    expect(accepted).toEqual([]);
  });

  it('serves a WHATWG fetch handler over HTTP mode: GET with query and a POST body', async () => {
    const path = uniquePath('http');
    await listen(path, {
      requestHandler: async (request) => {
        const body = new Uint8Array(await request.arrayBuffer());
        const url = new URL(request.url);
        return Response.json(
          { path: url.pathname, q: url.searchParams.get('q'), tokenLeaked: url.search.includes('sb-hc-token'), body: new TextDecoder().decode(body) },
          { headers: { ...cors, 'x-seen-method': request.method } },
        );
      },
    });
    const relay = await client(path);
    const get = await relay.fetch('items?q=1');
    expect(get.status).toBe(200);
    expect(get.headers.get('x-seen-method')).toBe('GET');
    expect(get.headers.get('via')).toBeTruthy();
    expect(await get.json()).toEqual({ path: `/${path}/items`, q: '1', tokenLeaked: false, body: '' });
    const post = await relay.fetch('items', { method: 'POST', body: 'a small body', headers: { 'content-type': 'text/plain' } });
    expect(await post.json()).toMatchObject({ body: 'a small body' });
  });

  it('moves a 1 MB request and a 200 kB response over rendezvous', async () => {
    const path = uniquePath('big');
    await listen(path, {
      requestHandler: async (request) => {
        const body = new Uint8Array(await request.arrayBuffer());
        const sum = body.reduce((acc, byte) => (acc + byte) % 65521, 0);
        return new Response(new Uint8Array(200_000).fill(sum % 251), { headers: { ...cors, 'x-seen-length': String(body.length) } });
      },
    });
    const payload = new Uint8Array(1024 * 1024).map((_, i) => i % 256);
    const expectedSum = payload.reduce((acc, byte) => (acc + byte) % 65521, 0);
    const response = await (await client(path)).fetch('upload', { method: 'POST', body: payload, headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-seen-length')).toBe(String(payload.length));
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.length).toBe(200_000);
    expect(bytes[0]).toBe(expectedSum % 251);
    expect(bytes[199_999]).toBe(expectedSum % 251);
  });

  it('fails open() with a typed error for a bad key and stays offline', async () => {
    WebSocket ??= await runtimeWebSocket();
    const badKey = connectionString.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=d3Jvbmcta2V5');
    const listener = new HybridConnectionListener(badKey, { path: uniquePath('auth'), WebSocket });
    open.push(listener);
    const failure = await listener.open().catch((error) => error);
    expect(failure).toMatchObject({ name: 'RealtimeError' });
    if (!inBrowser) expect(failure).toMatchObject({ code: 'unauthorized', status: 401 });
    expect(listener.status).toBe('offline');
    expect(String(failure.message)).not.toMatch(/sig=|d3Jvbmcta2V5/);
  });
});
