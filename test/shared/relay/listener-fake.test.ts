import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HybridConnectionListener, type HybridConnectionListenerOptions, type RelayConnection } from '../../../src/core/relay/index.js';
import { RealtimeError } from '../../../src/core/errors.js';
import type { TokenProvider } from '../../../src/core/token-provider.js';
import { FakeNodeSocket, FakeNodeWebSocket, FakeSocket, FakeWebSocket, ManualTimers, lastSocket, resetFakes } from './fake-socket.js';

// The listener state machine against a scripted socket (DESIGN.md "Testing": a fake socket is
// fine for a state machine's unit test). The emulator suites cover the real wire.

const NS = 'contoso.servicebus.windows.net';
const ADDRESS = `wss://g0.${NS}:443/$hc/hyco/app?x=1&sb-hc-action=accept&sb-hc-id=abc_G0`;

function counterProvider(timers: ManualTimers, ttlSeconds = 3600): TokenProvider & { calls: number } {
  const provider = {
    calls: 0,
    async getToken() {
      provider.calls++;
      const expiresAt = Math.floor(timers.now / 1000) + ttlSeconds;
      return { token: `SharedAccessSignature sr=x&sig=secret${provider.calls}&se=${expiresAt}&skn=k`, expiresAt };
    },
  };
  return provider;
}

let timers: ManualTimers;

function makeListener(options: HybridConnectionListenerOptions = {}, ttlSeconds?: number) {
  const tokenProvider = counterProvider(timers, ttlSeconds);
  const listener = new HybridConnectionListener(
    { namespace: NS, path: 'hyco', tokenProvider },
    { WebSocket: FakeWebSocket, timers, now: () => timers.now, backoff: { jitter: 0 }, ...options },
  );
  const events: string[] = [];
  const errors: RealtimeError[] = [];
  listener.on('connecting', () => events.push('connecting'));
  listener.on('online', () => events.push('online'));
  listener.on('offline', () => events.push('offline'));
  listener.on('error', (error) => errors.push(error));
  return { listener, events, errors, tokenProvider };
}

async function dialed(count: number): Promise<FakeSocket> {
  await vi.waitFor(() => expect(FakeSocket.instances.length).toBeGreaterThanOrEqual(count));
  return FakeSocket.instances[count - 1]!;
}

async function openListener(options: HybridConnectionListenerOptions = {}, ttlSeconds?: number) {
  const made = makeListener(options, ttlSeconds);
  const opening = made.listener.open();
  const control = await dialed(1);
  control.accept();
  await opening;
  return { ...made, control };
}

beforeEach(() => {
  resetFakes();
  timers = new ManualTimers();
});
afterEach(() => resetFakes());

describe('HybridConnectionListener: control channel', () => {
  it('dials the listen URL with the token in the header when a non-global WebSocket is passed', async () => {
    const { listener, events, control } = await openListener();
    expect(control.url).toBe(`wss://${NS}/$hc/hyco?sb-hc-action=listen`);
    expect(control.options?.headers?.ServiceBusAuthorization).toMatch(/^SharedAccessSignature /);
    expect(listener.status).toBe('online');
    expect(events).toEqual(['connecting', 'online']);
    expect(listener.address).not.toContain('sig=');
    await listener.close();
    expect(events.at(-1)).toBe('offline');
    expect(control.readyState).toBe(3);
  });

  it('puts sb-hc-token in the query when tokenInHeader is false', async () => {
    const { control, listener } = await openListener({ tokenInHeader: false, id: 'track-1' });
    const url = new URL(control.url);
    expect(url.searchParams.get('sb-hc-action')).toBe('listen');
    expect(url.searchParams.get('sb-hc-id')).toBe('track-1');
    expect(url.searchParams.get('sb-hc-token')).toMatch(/^SharedAccessSignature sr=x&sig=secret1/);
    expect(control.options).toBeUndefined();
    await listener.close();
  });

  it('rejects open() with a typed error when the first connect fails (401), like .NET OpenAsync', async () => {
    const { listener, events } = makeListener();
    const opening = listener.open();
    (await dialed(1)).refuse(401);
    await expect(opening).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
    expect(listener.status).toBe('offline');
    expect(events).toEqual(['connecting', 'offline']);
  });

  it('reconnects with the 0-1-2 s backoff after the service drops it, then stops on 404', async () => {
    const { listener, events, control } = await openListener();
    control.serverClose(1011, 'service error');
    expect(listener.status).toBe('connecting');
    expect(listener.lastError).toMatchObject({ code: 'closed', serviceCode: '1011' });
    timers.advance(0);
    (await dialed(2)).refuse(500);
    await vi.waitFor(() => expect(timers.pendingCount).toBe(1));
    timers.advance(999);
    expect(FakeSocket.instances).toHaveLength(2); // the 1 s step has not elapsed
    timers.advance(1);
    (await dialed(3)).refuse(404);
    await vi.waitFor(() => expect(listener.status).toBe('offline'));
    expect(listener.lastError).toMatchObject({ code: 'not_found', status: 404 });
    timers.advance(60_000);
    expect(FakeSocket.instances).toHaveLength(3);
    expect(events).toEqual(['connecting', 'online', 'connecting', 'offline']);
  });

  it('comes back online after a drop and resolves a second open() immediately', async () => {
    const { listener, events, control } = await openListener();
    control.serverClose(1001);
    timers.advance(0);
    (await dialed(2)).accept();
    await vi.waitFor(() => expect(listener.status).toBe('online'));
    await listener.open();
    expect(events).toEqual(['connecting', 'online', 'connecting', 'online']);
    await listener.close();
  });
});

describe('HybridConnectionListener: bad input recycles the channel and throws nothing', () => {
  const cases: Array<[string, string | Uint8Array, string]> = [
    ['malformed JSON', '{"accept":', 'protocol'],
    ['an unknown command', '{"launchMissiles":{}}', 'protocol'],
    ['a response sent to a listener', '{"response":{"requestId":"1","statusCode":200,"body":false}}', 'protocol'],
    ['an unexpected binary frame', new Uint8Array([1, 2, 3]), 'protocol'],
  ];
  for (const [name, frame, code] of cases) {
    it(`${name} → error event '${code}', new control channel`, async () => {
      const { listener, errors, control } = await openListener();
      expect(() => control.deliver(frame)).not.toThrow();
      expect(errors.map((e) => e.code)).toEqual([code]);
      expect(control.readyState).toBe(3);
      timers.advance(0);
      (await dialed(2)).accept();
      await vi.waitFor(() => expect(listener.status).toBe('online'));
      await listener.close();
    });
  }

  it('an oversized control-channel body → too_large, recycled', async () => {
    const { listener, errors, control } = await openListener({ requestHandler: () => new Response('never') });
    control.deliver(JSON.stringify({ request: { address: ADDRESS, id: 'r1', requestTarget: '/hyco', method: 'POST', requestHeaders: {}, body: true } }));
    control.deliver(new Uint8Array(64 * 1024 + 1));
    expect(errors.map((e) => e.code)).toEqual(['too_large']);
    expect(control.sent).toEqual([]);
    expect(control.readyState).toBe(3);
    await listener.close();
  });
});

describe('HybridConnectionListener: accept', () => {
  it('dials the rendezvous address with the first offered subprotocol and emits the connection', async () => {
    const { listener, control } = await openListener();
    const connections: RelayConnection[] = [];
    listener.on('connection', (c) => connections.push(c));
    control.deliver(JSON.stringify({ accept: { address: ADDRESS, id: 'abc_G0', connectHeaders: { 'Sec-WebSocket-Protocol': 'chat, superchat', 'X-Custom': 'v' } } }));
    const rendezvous = await dialed(2);
    expect(rendezvous.url).toBe(ADDRESS);
    expect(rendezvous.protocols).toEqual(['chat']);
    expect(rendezvous.options).toBeUndefined(); // the address needs no token (note §1.3)
    rendezvous.accept('chat');
    await vi.waitFor(() => expect(connections).toHaveLength(1));
    expect(connections[0]!.socket).toBe(rendezvous);
    expect(connections[0]!.request).toMatchObject({ id: 'abc_G0', url: `https://${NS}/hyco/app?x=1`, protocols: ['chat', 'superchat'] });
    expect(connections[0]!.request.headers['x-custom']).toBe('v');
    await listener.close();
  });

  it('rejects through sb-hc-statusCode when the accept hook says so, and 502 when it throws', async () => {
    const seen: string[] = [];
    const { listener, control, errors } = await openListener({
      acceptHandler: (request) => {
        seen.push(request.headers['x-user'] ?? '');
        if (request.headers['x-user'] === 'boom') throw new Error('hook failed');
        return { status: 403, statusDescription: 'not you' };
      },
    });
    listener.on('connection', () => {});
    control.deliver(JSON.stringify({ accept: { address: ADDRESS, id: 'a', connectHeaders: { 'X-User': 'eve' } } }));
    const reject = await dialed(2);
    expect(new URL(reject.url).searchParams.get('sb-hc-statusCode')).toBe('403');
    expect(new URL(reject.url).searchParams.get('sb-hc-statusDescription')).toBe('not you');
    reject.refuse(410);
    control.deliver(JSON.stringify({ accept: { address: ADDRESS, id: 'b', connectHeaders: { 'X-User': 'boom' } } }));
    const reject2 = await dialed(3);
    expect(new URL(reject2.url).searchParams.get('sb-hc-statusCode')).toBe('502');
    reject2.refuse(410);
    await vi.waitFor(() => expect(errors.map((e) => e.code)).toEqual(['service']));
    expect(seen).toEqual(['eve', 'boom']);
    await listener.close();
  });

  it('rejects with 501 when nothing listens for connections (an HTTP-only listener)', async () => {
    const { listener, control } = await openListener();
    control.deliver(JSON.stringify({ accept: { address: ADDRESS, id: 'a', connectHeaders: {} } }));
    const reject = await dialed(2);
    expect(new URL(reject.url).searchParams.get('sb-hc-statusCode')).toBe('501');
    reject.refuse(410);
    await listener.close();
  });
});

describe('HybridConnectionListener: HTTP mode', () => {
  const request = (fields: Record<string, unknown>) =>
    JSON.stringify({ request: { address: ADDRESS.replace('accept', 'request'), id: 'r1', requestTarget: '/hyco/items?q=2', method: 'GET', requestHeaders: {}, body: false, ...fields } });

  it('serves a small request on the control channel with a WHATWG Request/Response', async () => {
    let seen: Request | undefined;
    let body = '';
    const { listener, control } = await openListener({
      requestHandler: async (req) => {
        seen = req;
        body = await req.text();
        return new Response('created', { status: 201, statusText: 'Created', headers: { 'x-reply': '1', connection: 'close' } });
      },
    });
    control.deliver(request({ method: 'POST', requestHeaders: { 'Content-Type': 'text/plain', Host: 'x', 'X-A': 'b' }, body: true }));
    control.deliver(new TextEncoder().encode('hello'));
    await vi.waitFor(() => expect(control.sent).toHaveLength(2));
    expect(seen!.url).toBe(`https://${NS}/hyco/items?q=2`);
    expect(seen!.method).toBe('POST');
    expect(seen!.headers.get('x-a')).toBe('b');
    expect(body).toBe('hello');
    const frame = JSON.parse(control.sent[0] as string);
    expect(frame.response).toMatchObject({ requestId: 'r1', statusCode: 201, statusDescription: 'Created', body: true });
    expect(frame.response.responseHeaders).toMatchObject({ 'x-reply': '1' });
    expect(frame.response.responseHeaders.connection).toBeUndefined();
    expect(new TextDecoder().decode(control.sent[1] as Uint8Array)).toBe('created');
    await listener.close();
  });

  it('answers 501 without a handler and 500 when the handler throws', async () => {
    const { listener, control } = await openListener();
    control.deliver(request({}));
    await vi.waitFor(() => expect(control.sent.length).toBeGreaterThan(0));
    expect(JSON.parse(control.sent[0] as string).response.statusCode).toBe(501);
    await listener.close();
    resetFakes();
    const second = await openListener({ requestHandler: () => { throw new Error('bug'); } });
    second.control.deliver(request({}));
    await vi.waitFor(() => expect(second.control.sent.length).toBeGreaterThan(0));
    expect(JSON.parse(second.control.sent[0] as string).response.statusCode).toBe(500);
    expect(second.errors.map((e) => e.code)).toEqual(['service']);
    await second.listener.close();
  });

  it('sends a body over 64 kB over a rendezvous to the request address, then closes it', async () => {
    const big = new Uint8Array(100_000).fill(7);
    const { listener, control } = await openListener({ requestHandler: () => new Response(big) });
    control.deliver(request({}));
    const rendezvous = await dialed(2);
    expect(rendezvous.url).toContain('sb-hc-action=request');
    rendezvous.accept();
    await vi.waitFor(() => expect(rendezvous.sent).toHaveLength(2));
    expect(JSON.parse(rendezvous.sent[0] as string).response).toMatchObject({ requestId: 'r1', statusCode: 200, body: true });
    expect((rendezvous.sent[1] as Uint8Array).length).toBe(100_000);
    expect(rendezvous.readyState).toBe(3);
    expect(control.sent).toEqual([]);
    await listener.close();
  });

  it('moves a slow streamed response to rendezvous after the flush time', async () => {
    let push: ((text: string) => void) | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (text) => {
          controller.enqueue(new TextEncoder().encode(text));
          controller.close();
        };
      },
    });
    const { listener, control } = await openListener({ keepAliveIntervalMs: 0, requestHandler: () => new Response(stream) });
    control.deliver(request({}));
    await vi.waitFor(() => expect(timers.pendingCount).toBe(2)); // token renewal + the flush timer
    timers.advance(1999);
    expect(FakeSocket.instances).toHaveLength(1);
    timers.advance(1);
    const rendezvous = await dialed(2);
    rendezvous.accept();
    push!('late');
    await vi.waitFor(() => expect(rendezvous.sent).toHaveLength(2));
    expect(new TextDecoder().decode(rendezvous.sent[1] as Uint8Array)).toBe('late');
    expect(control.sent).toEqual([]);
    await listener.close();
  });

  it('serves a request the service moved to rendezvous on that socket', async () => {
    const { listener, control } = await openListener({ requestHandler: async (req) => new Response(`got ${(await req.arrayBuffer()).byteLength}`) });
    control.deliver(JSON.stringify({ request: { address: ADDRESS.replace('accept', 'request') } }));
    const rendezvous = await dialed(2);
    rendezvous.accept();
    await vi.waitFor(() => expect(rendezvous.onmessage).not.toBeNull());
    rendezvous.deliver(request({ method: 'PUT', body: true }));
    rendezvous.deliver(new Uint8Array(200_000));
    await vi.waitFor(() => expect(rendezvous.sent).toHaveLength(2));
    expect(new TextDecoder().decode(rendezvous.sent[1] as Uint8Array)).toBe('got 200000');
    expect(rendezvous.readyState).toBe(1); // kept for the sender's next request (note §1.5)
    await listener.close();
    expect(rendezvous.readyState).toBe(3);
  });
});

describe('HybridConnectionListener: token renewal and keep-alive', () => {
  it('sends renewToken before a 10 s token expires, on the same channel', async () => {
    const { listener, control, tokenProvider, events } = await openListener({}, 10);
    expect(tokenProvider.calls).toBe(1);
    timers.advance(8_999);
    expect(control.sentText()).toEqual([]);
    timers.advance(1);
    await vi.waitFor(() => expect(control.sentText()).toHaveLength(1));
    expect(JSON.parse(control.sentText()[0]!)).toEqual({ renewToken: { token: expect.stringContaining('sig=secret2') } });
    timers.advance(9_000);
    await vi.waitFor(() => expect(control.sentText()).toHaveLength(2));
    expect(FakeSocket.instances).toHaveLength(1);
    expect(events).toEqual(['connecting', 'online']);
    await listener.close();
  });

  it('sends unsolicited pongs, probes a silent channel with a ping, and recycles it when nothing answers', async () => {
    const { listener, errors } = await (async () => {
      const made = makeListener({ WebSocket: FakeNodeWebSocket, keepAliveIntervalMs: 1000 });
      const opening = made.listener.open();
      (await dialed(1)).accept();
      await opening;
      return made;
    })();
    const control = FakeSocket.instances[0] as FakeNodeSocket;
    timers.advance(1000);
    expect(control.pongs).toBe(1);
    expect(control.pings).toBe(0); // the open counted as traffic
    timers.advance(1000);
    expect(control.pings).toBe(1);
    control.emitPong();
    timers.advance(1000);
    expect(control.pings).toBe(1);
    timers.advance(1000);
    expect(control.pings).toBe(2);
    timers.advance(1000);
    expect(errors.map((e) => e.code)).toEqual(['timeout']);
    expect(control.readyState).toBe(3);
    expect(lastSocket()).toBe(control); // redial is scheduled, not yet run
    timers.advance(0);
    await dialed(2);
    await listener.close();
  });
});

describe('HybridConnectionListener: open() while reconnecting', () => {
  it('settles with the next online', async () => {
    const { listener, control } = await openListener();
    control.serverClose(1011);
    const reopened = listener.open();
    timers.advance(0);
    (await dialed(2)).accept();
    await expect(reopened).resolves.toBeUndefined();
    expect(listener.status).toBe('online');
    await listener.close();
  });
});
