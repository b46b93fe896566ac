import { describe, expect, it } from 'vitest';
import { RealtimeError, decodeJwt, verifyJwt } from '../../../src/core/index.js';
import { WebPubSubServiceClient, odata } from '../../../src/core/webpubsub/index.js';
import { CONNECTION_STRING, KEY, NO_WAIT, fakeFetch } from './fake-fetch.js';

const BASE = 'https://contoso.webpubsub.azure.com/api/hubs/chat';

function client(answers: Parameters<typeof fakeFetch>[0] = [], options: Record<string, unknown> = {}) {
  const fake = fakeFetch(answers);
  const service = new WebPubSubServiceClient(CONNECTION_STRING, 'chat', { fetch: fake.fetch, retryOptions: NO_WAIT, ...options });
  return { service, requests: fake.requests };
}

async function expectSignedFor(request: { url: string; headers: Record<string, string> }) {
  const token = request.headers.authorization!.replace(/^Bearer /, '');
  // aud = the full request URL including the query (note §1); verifyJwt also checks the signature.
  const payload = await verifyJwt(token, KEY, { audience: (aud) => aud === request.url });
  expect(payload.exp! - payload.iat!).toBe(3600);
}

describe('WebPubSubServiceClient over a fake fetch', () => {
  it('sends JSON, text and binary to all with the content types of @azure/web-pubsub', async () => {
    const { service, requests } = client();
    await service.sendToAll({ hello: 'world' });
    await service.sendToAll('plain', { contentType: 'text/plain' });
    await service.sendToAll('quoted');
    await service.sendToAll(new Uint8Array([1, 2, 3]).subarray(1));
    await service.sendToAll(new Uint8Array([9, 8]).buffer);
    expect(requests.map((r) => [r.method, r.url, r.headers['content-type']])).toEqual([
      ['POST', `${BASE}/:send?api-version=2024-12-01`, 'application/json'],
      ['POST', `${BASE}/:send?api-version=2024-12-01`, 'text/plain'],
      ['POST', `${BASE}/:send?api-version=2024-12-01`, 'application/json'],
      ['POST', `${BASE}/:send?api-version=2024-12-01`, 'application/octet-stream'],
      ['POST', `${BASE}/:send?api-version=2024-12-01`, 'application/octet-stream'],
    ]);
    expect(requests[0]!.body).toBe('{"hello":"world"}');
    expect(requests[1]!.body).toBe('plain');
    expect(requests[2]!.body).toBe('"quoted"');
    expect(Array.from(requests[3]!.body as Uint8Array)).toEqual([2, 3]);
    expect(Array.from(new Uint8Array(requests[4]!.body as ArrayBuffer))).toEqual([9, 8]);
    for (const request of requests) await expectSignedFor(request);
  });

  it('puts excluded (repeated), filter and messageTtlSeconds in the signed query', async () => {
    const { service, requests } = client();
    const filter = odata`userId eq ${"vic's"} and 'g1' in groups`;
    await service.sendToAll({ a: 1 }, { excludedConnections: ['c1', 'c 2'], filter, messageTtlSeconds: 30 });
    const url = new URL(requests[0]!.url);
    expect(url.searchParams.getAll('excluded')).toEqual(['c1', 'c 2']);
    expect(url.searchParams.get('filter')).toBe("userId eq 'vic''s' and 'g1' in groups");
    expect(url.searchParams.get('messageTtlSeconds')).toBe('30');
    await expectSignedFor(requests[0]!);
  });

  it('addresses users, connections, groups and permissions by the REST paths of note §3', async () => {
    const ok = (status: number) => () => new Response(null, { status });
    const { service, requests } = client([ok(202), ok(202), ok(204), ok(204), ok(204), ok(204), ok(204), ok(200), ok(200), ok(200), ok(204), ok(200), ok(204), ok(202), ok(204), ok(200), ok(204)]);
    await service.sendToUser('al ice', 'hi', { contentType: 'text/plain', filter: "'g' in groups" });
    await service.sendToConnection('conn/1', { x: 1 }, { messageTtlSeconds: 5 });
    await service.closeConnection('c1', { reason: 'bye' });
    await service.closeAllConnections({ reason: 'all', excludedConnections: ['c2'] });
    await service.closeUserConnections('u1');
    await service.removeUserFromAllGroups('u1');
    await service.removeConnectionFromAllGroups('c1');
    await service.addConnectionsToGroups(['g1', 'g2'], "userId eq 'u1'");
    await service.removeConnectionsFromGroups(['g1'], '');
    await service.grantPermission('c1', 'sendToGroup', { targetName: 'g1' });
    await service.revokePermission('c1', 'joinLeaveGroup');
    const group = service.group('g 1');
    await group.addConnection('c1');
    await group.removeConnection('c1');
    await group.sendToAll(new Uint8Array([1]), { excludedConnections: ['c3'] });
    await group.closeAllConnections({ reason: 'r' });
    await group.addUser('u1');
    await group.removeUser('u1');
    const v = '?api-version=2024-12-01';
    expect(requests.map((r) => `${r.method} ${r.url.replace('https://contoso.webpubsub.azure.com', '')}`)).toEqual([
      `POST /api/hubs/chat/users/al%20ice/:send${v}&filter=%27g%27%20in%20groups`, // the URL parser encodes ' in queries
      `POST /api/hubs/chat/connections/conn%2F1/:send${v}&messageTtlSeconds=5`,
      `DELETE /api/hubs/chat/connections/c1${v}&reason=bye`,
      `POST /api/hubs/chat/:closeConnections${v}&excluded=c2&reason=all`,
      `POST /api/hubs/chat/users/u1/:closeConnections${v}`,
      `DELETE /api/hubs/chat/users/u1/groups${v}`,
      `DELETE /api/hubs/chat/connections/c1/groups${v}`,
      `POST /api/hubs/chat/:addToGroups${v}`,
      `POST /api/hubs/chat/:removeFromGroups${v}`,
      `PUT /api/hubs/chat/permissions/sendToGroup/connections/c1${v}&targetName=g1`,
      `DELETE /api/hubs/chat/permissions/joinLeaveGroup/connections/c1${v}`,
      `PUT /api/hubs/chat/groups/g%201/connections/c1${v}`,
      `DELETE /api/hubs/chat/groups/g%201/connections/c1${v}`,
      `POST /api/hubs/chat/groups/g%201/:send${v}&excluded=c3`,
      `POST /api/hubs/chat/groups/g%201/:closeConnections${v}&reason=r`,
      `PUT /api/hubs/chat/users/u1/groups/g%201${v}`,
      `DELETE /api/hubs/chat/users/u1/groups/g%201${v}`,
    ]);
    expect(JSON.parse(requests[7]!.body as string)).toEqual({ groups: ['g1', 'g2'], filter: "userId eq 'u1'" });
    expect(requests[7]!.headers['content-type']).toBe('application/json');
    for (const request of requests) await expectSignedFor(request);
  });

  it('maps 200/404 of the exists checks and hasPermission to booleans', async () => {
    const status = (s: number) => () => new Response(null, { status: s });
    const { service, requests } = client([status(200), status(404), status(200), status(404), status(200), status(404)]);
    expect(await service.connectionExists('c1')).toBe(true);
    expect(await service.connectionExists('c2')).toBe(false);
    expect(await service.groupExists('g')).toBe(true);
    expect(await service.userExists('u')).toBe(false);
    expect(await service.hasPermission('c1', 'sendToGroup', { targetName: 'g' })).toBe(true);
    expect(await service.hasPermission('c1', 'joinLeaveGroup')).toBe(false);
    expect(requests.every((r) => r.method === 'HEAD')).toBe(true);
    expect(requests[4]!.url).toBe(`${BASE}/permissions/sendToGroup/connections/c1?api-version=2024-12-01&targetName=g`);
  });

  it('raises a typed error with status and x-ms-error-code, without secrets in the message', async () => {
    const body = JSON.stringify({ code: 'Forbidden', message: `denied for Endpoint=x;AccessKey=${KEY};` });
    const { service, requests } = client([new Response(body, { status: 403, headers: { 'x-ms-error-code': 'Forbidden.NoPermission' } })]);
    const error = await service.sendToAll({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RealtimeError);
    expect(error).toMatchObject({ code: 'forbidden', status: 403, serviceCode: 'Forbidden.NoPermission' });
    expect((error as Error).message).toContain('sendToAll failed with status 403');
    expect((error as Error).message).not.toContain(KEY);
    expect(requests).toHaveLength(1); // 403 is not retried
  });

  it('reports 404 on group.addConnection as not_found', async () => {
    const { service } = client([new Response('{"code":"NotFound","message":"no such connection"}', { status: 404 })]);
    await expect(service.group('g').addConnection('nope')).rejects.toMatchObject({ code: 'not_found', status: 404, serviceCode: 'NotFound' });
  });

  it('retries 429 and 5xx (honouring Retry-After) and succeeds on a later attempt', async () => {
    const { service, requests } = client([
      new Response(null, { status: 429, headers: { 'retry-after': '0' } }),
      new Response(null, { status: 503 }),
      new Response(null, { status: 500 }),
      new Response(null, { status: 202 }),
    ]);
    await service.sendToAll({ n: 1 });
    expect(requests).toHaveLength(4);
    expect(new Set(requests.map((r) => r.body))).toEqual(new Set(['{"n":1}']));
    // each attempt is signed afresh for the same URL
    for (const request of requests) await expectSignedFor(request);
  });

  it('gives up after maxRetries with the last status', async () => {
    const fake = fakeFetch([], () => new Response('busy', { status: 503, headers: { 'x-ms-error-code': 'ServiceBusy' } }));
    const busy = new WebPubSubServiceClient(CONNECTION_STRING, 'chat', { fetch: fake.fetch, retryOptions: { ...NO_WAIT, maxRetries: 2 } });
    await expect(busy.userExists('u')).rejects.toMatchObject({ code: 'unavailable', status: 503, serviceCode: 'ServiceBusy' });
    expect(fake.requests).toHaveLength(3);
  });

  it('retries network failures, then reports unavailable with the cause', async () => {
    const fake = fakeFetch([new TypeError('Failed to fetch'), new Response(null, { status: 202 })]);
    const service = new WebPubSubServiceClient(CONNECTION_STRING, 'chat', { fetch: fake.fetch, retryOptions: NO_WAIT });
    await service.sendToAll('x', { contentType: 'text/plain' });
    expect(fake.requests).toHaveLength(2);
    const down = fakeFetch([], new TypeError('Failed to fetch'));
    const offline = new WebPubSubServiceClient(CONNECTION_STRING, 'chat', { fetch: down.fetch, retryOptions: { ...NO_WAIT, maxRetries: 1 } });
    const error = await offline.sendToAll('x', { contentType: 'text/plain' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unavailable' });
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect(down.requests).toHaveLength(2);
  });

  it('stops on abort with code aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { service, requests } = client();
    await expect(service.sendToAll({}, { abortSignal: controller.signal })).rejects.toMatchObject({ code: 'aborted' });
    expect(requests).toHaveLength(0);
  });

  it('rejects bad input before any request', async () => {
    const { service, requests } = client();
    await expect(service.sendToAll(42 as unknown as string, { contentType: 'text/plain' })).rejects.toThrow(TypeError);
    await expect(service.sendToAll(undefined as unknown as object)).rejects.toThrow(/JSON-serialisable/);
    await expect(service.grantPermission('c', 'admin' as 'sendToGroup')).rejects.toThrow(/joinLeaveGroup or sendToGroup/);
    await expect(service.sendToUser('', {})).rejects.toThrow(/userId/);
    await expect(service.addConnectionsToGroups([''], '')).rejects.toThrow(/groups/);
    expect(requests).toHaveLength(0);
    expect(() => new WebPubSubServiceClient('Endpoint=https://x;Version=1.0', 'chat')).toThrow(expect.objectContaining({ code: 'invalid_connection_string' }));
    expect(() => new WebPubSubServiceClient(CONNECTION_STRING, '1bad hub')).toThrow(TypeError);
    expect(() => new WebPubSubServiceClient('https://x.webpubsub.azure.com', {} as { key: string }, 'chat')).toThrow(/AzureKeyCredential/);
    expect(() => new WebPubSubServiceClient('https://x.webpubsub.azure.com', { key: '' }, 'chat')).toThrow(/non-empty key/);
    // A bearer token over plain http only to loopback, unless allowed (as allowInsecureConnection in the official SDK).
    expect(() => new WebPubSubServiceClient(`Endpoint=http://wps.example.net;AccessKey=${KEY};Version=1.0;`, 'chat')).toThrow(/allowInsecureConnection/);
    expect(new WebPubSubServiceClient(`Endpoint=http://wps.example.net;AccessKey=${KEY};Version=1.0;`, 'chat', { allowInsecureConnection: true }).endpoint).toBe('http://wps.example.net/');
    expect(new WebPubSubServiceClient(`Endpoint=http://127.0.0.1:8080;AccessKey=${KEY};Version=1.0;`, 'chat').endpoint).toBe('http://127.0.0.1:8080/');
    expect(new WebPubSubServiceClient(`Endpoint=http://localhost:8080;AccessKey=${KEY};Version=1.0;`, 'chat').endpoint).toBe('http://localhost:8080/');
  });

  it('reads connection strings as @azure/web-pubsub does: keys case-insensitive, https for a bare host, Port over the URL port', () => {
    const endpointOf = (text: string) => new WebPubSubServiceClient(text, 'chat').endpoint;
    expect(endpointOf(`endpoint=contoso.webpubsub.azure.com;accesskey=${KEY};version=1.0`)).toBe('https://contoso.webpubsub.azure.com/');
    expect(endpointOf(`Endpoint=https://contoso.webpubsub.azure.com/;Port=8443;AccessKey=${KEY};Version=1.0;`)).toBe('https://contoso.webpubsub.azure.com:8443/');
    expect(endpointOf(`Endpoint=http://localhost:8080;AccessKey=${KEY};Port=9090`)).toBe('http://localhost:9090/');
    for (const bad of [`Endpoint=https://x;AccessKey=${KEY};Port=99999`, `Endpoint=https://x;AccessKey=${KEY};Port=80a`, `AccessKey=${KEY}`, 'Endpoint=https://;AccessKey=k', '']) {
      expect(() => new WebPubSubServiceClient(bad, 'chat'), bad).toThrow(expect.objectContaining({ code: 'invalid_connection_string' }));
      try {
        new WebPubSubServiceClient(bad, 'chat');
      } catch (error) {
        expect((error as Error).message).not.toContain(KEY);
      }
    }
  });

  it('keeps "=" inside the access key and signs with the whole key', async () => {
    const key = 'a2V5IHdpdGggcGFkZGluZw==';
    const fake = fakeFetch();
    const service = new WebPubSubServiceClient(`Endpoint=https://contoso.webpubsub.azure.com;AccessKey=${key};Version=1.0;`, 'chat', { fetch: fake.fetch, retryOptions: NO_WAIT });
    await service.sendToAll({});
    await verifyJwt(fake.requests[0]!.headers.authorization!.slice(7), key, {});
  });

  it('pages group connections by nextLink', async () => {
    const { service, requests } = client([
      new Response(JSON.stringify({ value: [{ connectionId: 'c1', userId: 'u1' }, { connectionId: 'c2', userId: null }], nextLink: '/api/hubs/chat/groups/g/connections?continuationToken=abc' }), { status: 200 }),
      new Response(JSON.stringify({ value: [{ connectionId: 'c3' }] }), { status: 200 }),
    ]);
    const members = [];
    for await (const member of await service.group('g').listConnections({ maxPageSize: 2 })) members.push(member);
    expect(members).toEqual([{ connectionId: 'c1', userId: 'u1' }, { connectionId: 'c2' }, { connectionId: 'c3' }]);
    expect(requests.map((r) => r.url)).toEqual([
      `${BASE}/groups/g/connections?api-version=2024-12-01&maxpagesize=2`,
      `${BASE}/groups/g/connections?continuationToken=abc&api-version=2024-12-01`,
    ]);
    for (const request of requests) await expectSignedFor(request);
  });

  it('resumes paging from a continuation token and refuses a nextLink on another origin', async () => {
    const { service, requests } = client([
      new Response(JSON.stringify({ value: [{ connectionId: 'c3' }], nextLink: 'https://evil.example.net/api/hubs/chat/groups/g/connections?continuationToken=x' }), { status: 200 }),
    ]);
    const pages = (await service.group('g').listConnections()).byPage({ continuationToken: '/api/hubs/chat/groups/g/connections?continuationToken=abc' });
    const first = await pages.next();
    expect(first.value).toEqual(Object.assign([{ connectionId: 'c3' }], { continuationToken: 'https://evil.example.net/api/hubs/chat/groups/g/connections?continuationToken=x' }));
    await expect(pages.next()).rejects.toThrow(/another origin/);
    expect(requests.map((r) => r.url)).toEqual([`${BASE}/groups/g/connections?continuationToken=abc&api-version=2024-12-01`]);
  });

  it('sends through a reverse proxy while the token names the service URL', async () => {
    const { service, requests } = client([], { reverseProxyEndpoint: 'https://apim.example.net' });
    await service.sendToAll({});
    expect(requests[0]!.url).toBe('https://apim.example.net/api/hubs/chat/:send?api-version=2024-12-01');
    expect(decodeJwt(requests[0]!.headers.authorization!.slice(7)).payload.aud).toBe(`${BASE}/:send?api-version=2024-12-01`);
  });

  it('uses an Entra TokenCredential as a cached bearer and mints client tokens via generateToken', async () => {
    let calls = 0;
    const credential = { getToken: async (scope: string | string[]) => (calls++, { token: `entra-for-${String(scope)}`, expiresOnTimestamp: Date.now() + 3600_000 }) };
    const fake = fakeFetch([new Response(null, { status: 202 }), new Response(JSON.stringify({ token: 'service.minted.token' }), { status: 200 })]);
    const service = new WebPubSubServiceClient('https://contoso.webpubsub.azure.com', credential, 'chat', { fetch: fake.fetch, retryOptions: NO_WAIT });
    await service.sendToAll({});
    const token = await service.getClientAccessToken({ userId: 'u1', roles: ['webpubsub.sendToGroup'], groups: ['g1'], expirationTimeInMinutes: 5, clientProtocol: 'mqtt' });
    expect(calls).toBe(1);
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer entra-for-https://webpubsub.azure.com/.default');
    expect(fake.requests[1]!.url).toBe(`${BASE}/:generateToken?api-version=2024-12-01&userId=u1&role=webpubsub.sendToGroup&minutesToExpire=5&group=g1&clientType=MQTT`);
    expect(token).toEqual({
      token: 'service.minted.token',
      baseUrl: 'wss://contoso.webpubsub.azure.com/clients/mqtt/hubs/chat',
      url: 'wss://contoso.webpubsub.azure.com/clients/mqtt/hubs/chat?access_token=service.minted.token',
    });
  });

  it('renews the Entra token only when it is within 2 minutes of expiry', async () => {
    const lifetimes = [10 * 60_000, 60_000, 60 * 60_000];
    const issued: string[] = [];
    const credential = {
      getToken: async () => {
        const token = `entra-${issued.length}`;
        issued.push(token);
        return { token, expiresOnTimestamp: Date.now() + lifetimes[issued.length - 1]! };
      },
    };
    const fake = fakeFetch();
    const service = new WebPubSubServiceClient('https://contoso.webpubsub.azure.com', credential, 'chat', { fetch: fake.fetch, retryOptions: NO_WAIT });
    await service.sendToAll({});
    await service.sendToAll({});
    expect(issued).toEqual(['entra-0']); // 10 min left: cached
    // A token with 1 minute left is renewed on the next request.
    const soon = new WebPubSubServiceClient('https://contoso.webpubsub.azure.com', credential, 'chat', { fetch: fake.fetch, retryOptions: NO_WAIT });
    await soon.sendToAll({});
    await soon.sendToAll({});
    expect(issued).toEqual(['entra-0', 'entra-1', 'entra-2']);
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual(['Bearer entra-0', 'Bearer entra-0', 'Bearer entra-1', 'Bearer entra-2']);
  });

  it('reports a failing TokenCredential as unauthorized without retrying', async () => {
    let calls = 0;
    const credential = { getToken: async () => (calls++, Promise.reject(new Error('no managed identity here'))) };
    const fake = fakeFetch();
    const service = new WebPubSubServiceClient('https://contoso.webpubsub.azure.com', credential, 'chat', { fetch: fake.fetch, retryOptions: NO_WAIT });
    const error = await service.sendToAll({}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unauthorized' });
    expect((error as Error).message).toContain('no managed identity here');
    expect(calls).toBe(1);
    expect(fake.requests).toHaveLength(0);
  });

  it('mints client tokens locally with the access key', async () => {
    const { service, requests } = client();
    const { token, baseUrl, url } = await service.getClientAccessToken({ userId: 'u1', roles: ['webpubsub.joinLeaveGroup'], groups: ['g1'] });
    expect(requests).toHaveLength(0);
    expect(baseUrl).toBe('wss://contoso.webpubsub.azure.com/client/hubs/chat');
    expect(url).toBe(`${baseUrl}?access_token=${token}`);
    const claims = await verifyJwt(token, KEY, { audience: 'https://contoso.webpubsub.azure.com/client/hubs/chat' });
    expect(claims).toMatchObject({ sub: 'u1', role: ['webpubsub.joinLeaveGroup'], 'webpubsub.group': ['g1'] });
    expect(claims.exp! - claims.iat!).toBe(3600);
  });
});
