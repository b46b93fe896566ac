import { beforeEach, describe, expect, it, vi } from 'vitest';
import { HybridConnectionClient } from '../../../src/core/relay/index.js';
import { FakeSocket, FakeWebSocket, ManualTimers, resetFakes } from './fake-socket.js';

// Shared tests may not import src/emulator: a made-up key is enough for a fake socket.
const CONNECTION = 'Endpoint=sb://127.0.0.1:9001/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=dGVzdC1rZXk=;UseDevelopmentEmulator=true';

beforeEach(() => resetFakes());

describe('HybridConnectionClient (fake socket / fake fetch)', () => {
  it('createConnection dials connect with the token header and forwards connect headers and protocols', async () => {
    const client = new HybridConnectionClient(CONNECTION, { path: 'hyco', WebSocket: FakeWebSocket, timers: new ManualTimers() });
    const pending = client.createConnection({ headers: { 'X-Trace': 't1' }, protocols: 'chat', suffix: 'room', id: 'c-1' });
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const socket = FakeSocket.instances[0]!;
    expect(socket.url).toBe('ws://127.0.0.1:9001/$hc/hyco/room?sb-hc-action=connect&sb-hc-id=c-1');
    expect(socket.protocols).toEqual(['chat']);
    expect(socket.options?.headers).toMatchObject({ 'X-Trace': 't1', ServiceBusAuthorization: expect.stringMatching(/^SharedAccessSignature sr=http%3A%2F%2F127\.0\.0\.1%2Fhyco&/) });
    socket.accept('chat');
    await expect(pending).resolves.toBe(socket);
  });

  it('maps a refused connect to a typed error', async () => {
    const client = new HybridConnectionClient(CONNECTION, { path: 'hyco', WebSocket: FakeWebSocket, timers: new ManualTimers() });
    const pending = client.createConnection();
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    FakeSocket.instances[0]!.refuse(404);
    await expect(pending).rejects.toMatchObject({ code: 'not_found', status: 404 });
  });

  it('refuses connect headers with a constructor that cannot send them', async () => {
    const client = new HybridConnectionClient(CONNECTION, { path: 'hyco', WebSocket: FakeWebSocket, tokenInHeader: false });
    await expect(client.createConnection({ headers: { a: 'b' } })).rejects.toThrow(TypeError);
  });

  it('fetch resolves paths under the entity and sends the token as header or query', async () => {
    const calls: Array<{ url: string; init: RequestInit }> = [];
    const fakeFetch = (async (url: string | URL, init: RequestInit) => {
      calls.push({ url: String(url), init });
      return new Response('ok');
    }) as typeof fetch;
    const header = new HybridConnectionClient(CONNECTION, { path: 'hyco', WebSocket: FakeWebSocket, fetch: fakeFetch });
    await header.fetch('/items?x=1', { method: 'POST', body: 'payload' });
    expect(calls[0]!.url).toBe('http://127.0.0.1:9001/hyco/items?x=1');
    expect(new Headers(calls[0]!.init.headers).get('ServiceBusAuthorization')).toMatch(/^SharedAccessSignature /);
    expect(new TextDecoder().decode(calls[0]!.init.body as ArrayBuffer)).toBe('payload');
    const query = new HybridConnectionClient(CONNECTION, { path: 'hyco', WebSocket: FakeWebSocket, fetch: fakeFetch, tokenInHeader: false });
    await query.fetch();
    expect(new URL(calls[1]!.url).searchParams.get('sb-hc-token')).toMatch(/^SharedAccessSignature /);
    expect(new Headers(calls[1]!.init.headers).has('ServiceBusAuthorization')).toBe(false);
    expect(new URL(calls[1]!.url).pathname).toBe('/hyco');
  });

  it('needs a path from the connection string or the options', () => {
    expect(() => new HybridConnectionClient(CONNECTION, { WebSocket: FakeWebSocket })).toThrow(/EntityPath/);
  });
});
