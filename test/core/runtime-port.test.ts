import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeJwt } from '../../src/core/jwt.js';
import { resolveRelayConfig } from '../../src/core/relay/entity-config.js';
import { HybridConnectionListener } from '../../src/core/relay/listener.js';
import { clockOf, hmacOf, resolveRuntime } from '../../src/core/runtime.js';
import type { HmacSha256 } from '../../src/core/runtime-types.js';
import { createSasToken, parseSasToken, verifySasToken } from '../../src/core/sas.js';
import { createSasTokenProvider } from '../../src/core/sas-token-provider.js';
import { mintClientAccessToken } from '../../src/core/webpubsub/client-token.js';
import { clientAccessUrlProvider } from '../../src/core/webpubsub/negotiate.js';
import { WebPubSubServiceClient } from '../../src/core/webpubsub/service-client.js';
import { FakeSocket, FakeWebSocket, ManualTimers, resetFakes } from '../shared/relay/fake-socket.js';

// The runtime port (src/core/runtime.ts): one `runtime` option that every client resolves once, and
// that wins over the globals for the clock, the timers, fetch, HMAC and the WebSocket's header support.

const NOW = 1_700_000_000_000;
const fixedHmac: HmacSha256 = () => new Uint8Array(32).fill(7);
const ENTITY = { namespace: 'contoso.servicebus.windows.net', path: 'hyco', tokenProvider: { getToken: async () => ({ token: 't', expiresAt: 2e9 }) } };

afterEach(() => {
  resetFakes();
  vi.restoreAllMocks();
});

describe('resolveRuntime', () => {
  it('fills what is not given from the globals, and keeps what is', () => {
    const timers = new ManualTimers();
    const runtime = resolveRuntime({ hmac: fixedHmac, timers, now: () => NOW });
    expect(runtime.hmac).toBe(fixedHmac);
    expect(runtime.timers).toBe(timers);
    expect(runtime.now()).toBe(NOW);
    expect(runtime.webSocketHeaders).toBe(false);
    expect(typeof runtime.fetch).toBe('function');
    expect(resolveRuntime().now()).toBeGreaterThan(NOW);
  });

  it('takes a clock as an instant or a function, the option before the runtime', () => {
    expect(clockOf({ now: 5 })()).toBe(5);
    expect(clockOf({ now: () => 6, runtime: { now: () => 7 } })()).toBe(6);
    expect(clockOf({ runtime: { now: () => 7 } })()).toBe(7);
    expect(hmacOf({ runtime: { hmac: fixedHmac } })).toBe(fixedHmac);
  });
});

describe('token functions take the runtime', () => {
  it('createSasToken and verifySasToken sign with runtime.hmac and read runtime.now', async () => {
    const runtime = { hmac: fixedHmac, now: () => NOW };
    const token = await createSasToken({ resourceUri: 'http://ns/hub', keyName: 'k', key: 'secret', runtime });
    const parsed = parseSasToken(token);
    expect(parsed.expiresAt).toBe(NOW / 1000 + 3600);
    expect(parsed.signature).toBe(btoa(String.fromCharCode(...new Uint8Array(32).fill(7))));
    await expect(verifySasToken(token, { getKey: () => 'other key', runtime })).resolves.toMatchObject({ keyName: 'k' });
    await expect(verifySasToken(token, { getKey: () => 'secret', runtime: { ...runtime, now: () => NOW + 3601_000 } })).rejects.toMatchObject({ code: 'expired_token' });
  });

  it('createSasTokenProvider and mintClientAccessToken use the runtime clock', async () => {
    const provider = createSasTokenProvider({ keyName: 'k', key: 'secret' }, { runtime: { now: () => NOW }, ttlSeconds: 60 });
    expect((await provider.getToken('http://ns/hub')).expiresAt).toBe(NOW / 1000 + 60);
    const minted = await mintClientAccessToken({ endpoint: 'https://x.webpubsub.azure.com', hub: 'chat', accessKey: 'key', runtime: { now: () => NOW } });
    expect(decodeJwt(minted.token).payload.iat).toBe(NOW / 1000);
    const fixed = await mintClientAccessToken({ endpoint: 'https://x.webpubsub.azure.com', hub: 'chat', accessKey: 'key', now: NOW + 1000 });
    expect(decodeJwt(fixed.token).payload.iat).toBe(NOW / 1000 + 1);
  });
});

describe('Relay takes the runtime', () => {
  it('sends the token in a header only when the runtime says its WebSocket carries headers', () => {
    expect(resolveRelayConfig(ENTITY, { runtime: { WebSocket: FakeWebSocket, webSocketHeaders: true } }).tokenInHeader).toBe(true);
    expect(resolveRelayConfig(ENTITY, { runtime: { WebSocket: FakeWebSocket, webSocketHeaders: false } }).tokenInHeader).toBe(false);
    expect(resolveRelayConfig(ENTITY, { runtime: { WebSocket: FakeWebSocket } }).tokenInHeader).toBe(false);
  });

  it("re-raises a throwing listener's error on the runtime's timers, not the global ones", async () => {
    const timers = new ManualTimers();
    const globalSetTimeout = vi.spyOn(globalThis, 'setTimeout');
    const listener = new HybridConnectionListener(ENTITY, { runtime: { WebSocket: FakeWebSocket, timers, now: () => timers.now } });
    listener.on('connecting', () => {
      throw new Error('app bug');
    });
    const opening = listener.open();
    const raised = timers.pendingCount;
    expect(globalSetTimeout).not.toHaveBeenCalled();
    expect(raised).toBeGreaterThanOrEqual(1);
    expect(() => timers.advance(0)).toThrow('app bug');
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    FakeSocket.instances[0]!.accept();
    await opening;
    await listener.close();
  });
});

describe('the Web PubSub REST client takes the runtime', () => {
  it('signs with the runtime clock and waits out a retry on the runtime timers', async () => {
    const timers = new ManualTimers();
    const statuses = [503, 200];
    const requests: Request[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      requests.push(new Request(input, init));
      return new Response(null, { status: statuses.shift()! });
    };
    const globalSetTimeout = vi.spyOn(globalThis, 'setTimeout');
    const client = new WebPubSubServiceClient('Endpoint=https://x.webpubsub.azure.com;AccessKey=a2V5;Version=1.0;', 'chat', {
      runtime: { fetch, timers, now: () => NOW },
    });
    const sending = client.sendToAll('hi', { contentType: 'text/plain' });
    await vi.waitFor(() => expect(timers.pendingCount).toBe(1));
    expect(requests).toHaveLength(1);
    expect(globalSetTimeout).not.toHaveBeenCalled();
    timers.advance(64_000);
    await sending;
    expect(requests).toHaveLength(2);
    const bearer = requests[0]!.headers.get('authorization')!.slice('Bearer '.length);
    expect(decodeJwt(bearer).payload.iat).toBe(NOW / 1000);
  });
});

describe('negotiate takes the runtime', () => {
  it("fetches the negotiate URL with the runtime's fetch", async () => {
    const fetch = vi.fn(async () => Response.json({ url: 'wss://x.webpubsub.azure.com/client/hubs/chat?access_token=t' }));
    const getUrl = clientAccessUrlProvider({ negotiateUrl: 'https://app.example.com/negotiate', runtime: { fetch } });
    await expect(getUrl()).resolves.toBe('wss://x.webpubsub.azure.com/client/hubs/chat?access_token=t');
    expect(fetch).toHaveBeenCalledOnce();
  });
});
