import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HybridConnectionListener, type HybridConnectionListenerOptions } from '../../../src/core/relay/index.js';
import { lazyRequestsWork } from '../../../src/core/relay/lazy-request.js';
import { FakeSocket, FakeWebSocket, ManualTimers, resetFakes } from './fake-socket.js';
import { inBrowser } from './socket.js';

// What a request handler gets and what the listener sends back, against a scripted control
// channel. In Node the handler's Request is a lazy stand-in (src/core/relay/lazy-request.ts) that
// must behave as a real one everywhere an app can tell; in Chromium it is a real one.

const NS = 'contoso.servicebus.windows.net';
const ADDRESS = `wss://g0.${NS}:443/$hc/hyco/app?sb-hc-action=request&sb-hc-id=abc_G0`;
let timers: ManualTimers;

beforeEach(() => {
  resetFakes();
  timers = new ManualTimers();
});
afterEach(() => {
  resetFakes();
  vi.unstubAllGlobals();
});

async function serve(requestHandler: HybridConnectionListenerOptions['requestHandler'], options: HybridConnectionListenerOptions = {}) {
  const tokenProvider = { getToken: async () => ({ token: 'SharedAccessSignature sr=x&sig=s&se=9999999999&skn=k', expiresAt: 9_999_999_999 }) };
  const listener = new HybridConnectionListener({ namespace: NS, path: 'hyco', tokenProvider }, { WebSocket: FakeWebSocket, timers, now: () => timers.now, keepAliveIntervalMs: 0, requestHandler, ...options });
  const errors: string[] = [];
  listener.on('error', (error) => errors.push(error.code));
  const opening = listener.open();
  await vi.waitFor(() => expect(FakeSocket.instances.length).toBe(1));
  const control = FakeSocket.instances[0]!;
  control.accept();
  await opening;
  let next = 0;
  const send = (fields: Record<string, unknown>, body?: Uint8Array) => {
    const id = `r${++next}`;
    control.deliver(JSON.stringify({ request: { address: ADDRESS, id, requestTarget: '/hyco/items?q=2', method: 'GET', requestHeaders: {}, body: body !== undefined, ...fields } }));
    if (body) control.deliver(body);
    return id;
  };
  const responses = async (count: number) => {
    await vi.waitFor(() => expect(control.sentText().length).toBeGreaterThanOrEqual(count));
    return control.sentText().map((text) => JSON.parse(text).response as { requestId: string; statusCode: number; responseHeaders: Record<string, string>; body: boolean });
  };
  return { listener, control, send, responses, errors };
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('the Request a relay request handler gets', () => {
  it('is a Request: method, URL, headers (no hop-by-hop), body read once', async () => {
    const seen: Record<string, unknown> = {};
    const { listener, send, responses } = await serve(async (request) => {
      seen.isRequest = request instanceof Request;
      seen.method = request.method;
      seen.url = request.url;
      seen.header = request.headers.get('x-a');
      seen.host = request.headers.get('host');
      seen.sameHeaders = request.headers === request.headers;
      seen.json = await request.json();
      seen.used = request.bodyUsed;
      seen.again = await request.text().then(() => 'read twice', (error: Error) => error.name);
      return new Response(null, { status: 204 });
    });
    send({ method: 'post', requestHeaders: { 'X-A': 'b', Host: 'x', 'Content-Type': 'application/json' } }, bytes('{"n":1}'));
    expect((await responses(1))[0]!.statusCode).toBe(204);
    expect(seen).toEqual({ isRequest: true, method: 'POST', url: `https://${NS}/hyco/items?q=2`, header: 'b', host: null, sameHeaders: true, json: { n: 1 }, used: true, again: 'TypeError' });
    await listener.close();
  });

  it('passes for a Request where one is copied or forwarded: new Request(request), clone(), body, signal', async () => {
    const seen: Record<string, unknown> = {};
    const { listener, send, responses } = await serve(async (request) => {
      seen.clone = await request.clone().text();
      seen.stream = new TextDecoder().decode((await request.clone().body!.getReader().read()).value);
      seen.signal = request.signal instanceof AbortSignal;
      seen.has = 'body' in request && 'clone' in request;
      // Last: a copy takes the body over (the input is then used), as with any Request.
      const copy = new Request(request);
      seen.copy = [copy.method, copy.url, copy.headers.get('x-a'), await copy.text(), request.bodyUsed];
      return new Response('ok');
    });
    send({ method: 'PUT', requestHeaders: { 'x-a': 'b' } }, bytes('payload'));
    await responses(1);
    expect(seen).toEqual({ copy: ['PUT', `https://${NS}/hyco/items?q=2`, 'b', 'payload', true], clone: 'payload', stream: 'payload', signal: true, has: true });
    await listener.close();
  });

  it('stays read after the body is read: clone() then throws, as it does on a real Request', async () => {
    let clone = '';
    const { listener, send, responses } = await serve(async (request) => {
      await request.arrayBuffer();
      try {
        request.clone();
        clone = 'cloned';
      } catch (error) {
        clone = (error as Error).name;
      }
      return new Response(String(request.bodyUsed));
    });
    send({ method: 'POST' }, bytes('x'));
    await responses(1);
    expect(clone).toBe('TypeError');
    await listener.close();
  });

  it('has no body for GET and HEAD, even when a body frame came', async () => {
    const seen: unknown[] = [];
    const { listener, send, responses } = await serve(async (request) => {
      seen.push(request.body, await request.text(), request.bodyUsed);
      return new Response('');
    });
    send({ method: 'GET' }, bytes('ignored'));
    await responses(1);
    expect(seen).toEqual([null, '', false]);
    await listener.close();
  });

  it('answers 400 for a method a Request refuses, without calling the handler', async () => {
    const handler = vi.fn(() => new Response('no'));
    const { listener, send, responses, errors } = await serve(handler);
    send({ method: 'TRACE' });
    expect((await responses(1))[0]!.statusCode).toBe(400);
    expect(handler).not.toHaveBeenCalled();
    expect(errors).toEqual(['protocol']);
    await listener.close();
  });

  it('builds no Request at all in Node for a handler that reads method, URL, headers and body', async () => {
    const RealRequest = globalThis.Request;
    lazyRequestsWork(); // the one-time check builds its own
    let built = 0;
    vi.stubGlobal(
      'Request',
      class extends RealRequest {
        constructor(...args: ConstructorParameters<typeof Request>) {
          super(...args);
          built++;
        }
      },
    );
    const { listener, send, responses } = await serve(async (request) => new Response(`${request.method} ${new URL(request.url).pathname} ${request.headers.get('x-a')} ${await request.text()}`));
    send({ method: 'POST', requestHeaders: { 'x-a': 'b' } }, bytes('hi'));
    await responses(1);
    expect(built).toBe(inBrowser ? 1 : 0);
    await listener.close();
  });
  it('hands the body frame itself to arrayBuffer() where the Request is lazy (no copy), bytes otherwise', async () => {
    let seen: ArrayBuffer | undefined;
    const { listener, control, send, responses } = await serve(async (request) => {
      seen = await request.arrayBuffer();
      return new Response(null, { status: 204 });
    });
    send({ method: 'POST', body: true });
    const frame = new TextEncoder().encode('payload').buffer;
    control.onmessage!({ data: frame });
    await responses(1);
    expect(new TextDecoder().decode(seen)).toBe('payload');
    expect(seen === frame).toBe(lazyRequestsWork());
    await listener.close();
  });
});

describe('responses', () => {
  it('send a body streamed in several chunks as one binary message', async () => {
    const { listener, control, send, responses } = await serve(
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              for (const part of ['a', 'bc', 'def']) controller.enqueue(bytes(part));
              controller.close();
            },
          }),
        ),
    );
    send({});
    expect((await responses(1))[0]!.body).toBe(true);
    await vi.waitFor(() => expect(control.sent).toHaveLength(2));
    expect(new TextDecoder().decode(control.sent[1] as Uint8Array)).toBe('abcdef');
    await listener.close();
  });

  it('answer 500 when the response body streams something other than bytes', async () => {
    const { listener, send, responses, errors } = await serve(() => new Response(new ReadableStream({ start: (controller) => (controller.enqueue('text' as unknown as Uint8Array), controller.close()) })));
    send({});
    expect((await responses(1))[0]!.statusCode).toBe(500);
    expect(errors).toEqual(['service']);
    await listener.close();
  });

  it('share one flush timer however many responses are in flight, and each slow one still moves to rendezvous', async () => {
    const pushes: Array<() => void> = [];
    const { listener, send } = await serve(
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              pushes.push(() => (controller.enqueue(bytes('late')), controller.close()));
            },
          }),
        ),
      { responseFlushMs: 2000 },
    );
    const before = timers.pendingCount; // token renewal
    for (let i = 0; i < 5; i++) send({});
    await vi.waitFor(() => expect(pushes).toHaveLength(5));
    await vi.waitFor(() => expect(timers.pendingCount).toBe(before + 1));
    timers.advance(2000);
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(6)); // five rendezvous dials
    for (const socket of FakeSocket.instances.slice(1)) socket.accept();
    for (const push of pushes) push();
    await vi.waitFor(() => expect(FakeSocket.instances.slice(1).every((socket) => socket.sent.length === 2)).toBe(true));
    await listener.close();
    expect(timers.pendingCount).toBe(0);
  });

  it("give a socket's sendOwned (mask in place) only bytes no one else holds: never the chunk an app's stream enqueued", async () => {
    const owned: Uint8Array[] = [];
    class OwnedFake extends FakeSocket {
      sendOwned(data: Uint8Array): void {
        owned.push(data);
        this.sent.push(new Uint8Array(data));
        data.fill(0); // what masking in place does to the sender's bytes
      }
    }
    const size = 100_000; // over the control channel's 64 kB: answered on a rendezvous
    const appChunk = new Uint8Array(size).fill(7);
    const { listener, send } = await serve(
      (request) =>
        new URL(request.url).searchParams.has('stream')
          ? new Response(new ReadableStream({ start: (controller) => (controller.enqueue(appChunk), controller.close()) }))
          : new Response(new Uint8Array(size).fill(7)),
      { WebSocket: OwnedFake as unknown as typeof FakeWebSocket },
    );
    send({ requestTarget: '/hyco/items?stream=1' });
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(2));
    FakeSocket.instances[1]!.accept();
    await vi.waitFor(() => expect(FakeSocket.instances[1]!.sent).toHaveLength(2));
    expect(owned).toHaveLength(0);
    expect(appChunk.every((byte) => byte === 7)).toBe(true);
    // A body from bytes is a byte stream in Node: what its reader yields was transferred to it.
    send({});
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(3));
    FakeSocket.instances[2]!.accept();
    await vi.waitFor(() => expect(FakeSocket.instances[2]!.sent).toHaveLength(2));
    expect((FakeSocket.instances[2]!.sent[1] as Uint8Array).every((byte) => byte === 7)).toBe(true);
    if (!inBrowser) expect(owned).toHaveLength(1);
    await listener.close();
  });

  it('go out as one batch (SocketLike.batch) when the socket offers it: the message and its body in one write', async () => {
    const batches: number[] = [];
    class BatchingFake extends FakeSocket {
      batch(sends: () => void): void {
        const before = this.sent.length;
        sends();
        batches.push(this.sent.length - before);
      }
    }
    const { listener, send, responses } = await serve(() => new Response('body'), { WebSocket: BatchingFake as unknown as typeof FakeWebSocket });
    send({});
    await responses(1);
    expect(batches).toEqual([2]);
    await listener.close();
  });
});
