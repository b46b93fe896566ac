import { describe, expect, it } from 'vitest';
import { RealtimeError, verifyJwt } from '../../../src/core/index.js';
import { WebPubSubServiceClient, clientAccessUrlProvider, createNegotiateHandler } from '../../../src/core/webpubsub/index.js';
import { CONNECTION_STRING, KEY, fakeFetch } from './fake-fetch.js';

describe('createNegotiateHandler', () => {
  const serviceClient = new WebPubSubServiceClient(CONNECTION_STRING, 'chat');
  const handler = createNegotiateHandler({
    serviceClient,
    authenticate: (request) => {
      const user = new URL(request.url).searchParams.get('user');
      if (user === 'mallory') throw new RealtimeError('forbidden', 'banned', { status: 403 });
      return user ? { userId: user, roles: ['webpubsub.joinLeaveGroup'] } : null;
    },
    headers: { 'access-control-allow-origin': '*' },
  });

  it('answers { url } with a token for the authenticated user, uncached', async () => {
    const response = await handler(new Request('https://app.example.com/negotiate?user=alice'));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const { url } = (await response.json()) as { url: string };
    expect(url.startsWith('wss://contoso.webpubsub.azure.com/client/hubs/chat?access_token=')).toBe(true);
    const claims = await verifyJwt(new URL(url).searchParams.get('access_token')!, KEY, { audience: 'https://contoso.webpubsub.azure.com/client/hubs/chat' });
    expect(claims).toMatchObject({ sub: 'alice', role: ['webpubsub.joinLeaveGroup'] });
  });

  it('answers 401 without identity, the thrown 4xx status, and 405 for other methods', async () => {
    const anonymous = await handler(new Request('https://app.example.com/negotiate'));
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: 'not authenticated' });
    expect((await handler(new Request('https://app.example.com/negotiate?user=mallory'))).status).toBe(403);
    expect((await handler(new Request('https://app.example.com/negotiate', { method: 'DELETE' }))).status).toBe(405);
  });
});

describe('clientAccessUrlProvider', () => {
  it('fetches the negotiate URL on every call (fresh tokens on reconnect)', async () => {
    let n = 0;
    const fake = fakeFetch([], () => Response.json({ url: `wss://h/client/hubs/chat?access_token=t${++n}` }));
    const provider = clientAccessUrlProvider({ negotiateUrl: 'https://app.example.com/negotiate', fetch: fake.fetch, requestInit: { headers: { authorization: 'Bearer app' } } });
    expect(await provider()).toBe('wss://h/client/hubs/chat?access_token=t1');
    expect(await provider()).toBe('wss://h/client/hubs/chat?access_token=t2');
    expect(fake.requests[0]).toMatchObject({ url: 'https://app.example.com/negotiate', headers: { authorization: 'Bearer app' } });
  });

  it('reports a failed or malformed negotiate answer as a typed error', async () => {
    const denied = clientAccessUrlProvider({ negotiateUrl: 'https://a/negotiate', fetch: fakeFetch([], () => new Response('no', { status: 401 })).fetch });
    await expect(denied()).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
    const odd = clientAccessUrlProvider({ negotiateUrl: 'https://a/negotiate', fetch: fakeFetch([], () => Response.json({ link: 'x' })).fetch });
    await expect(odd()).rejects.toMatchObject({ code: 'protocol' });
  });

  it('accepts a token provider returning a URL or a ClientAccessToken, and checks the scheme', async () => {
    const serviceClient = new WebPubSubServiceClient(CONNECTION_STRING, 'chat');
    const provider = clientAccessUrlProvider({ getClientAccessUrl: () => serviceClient.getClientAccessToken({ userId: 'bob' }) });
    expect(await provider()).toMatch(/^wss:\/\/contoso\.webpubsub\.azure\.com\/client\/hubs\/chat\?access_token=ey/);
    await expect(clientAccessUrlProvider({ getClientAccessUrl: async () => 'https://not-a-socket' })()).rejects.toThrow(TypeError);
    expect(() => clientAccessUrlProvider('http://x')).toThrow(TypeError);
  });
});
