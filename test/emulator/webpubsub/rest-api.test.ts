import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../../src/core/jwt.js';
import { REST_OPERATIONS, restPath } from '../../../src/core/webpubsub/rest-spec.js';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { nodeHmac } from '../../../src/node/hmac.js';
import { clientUrl, connectRaw, isAck, JSON_PROTOCOL, type RawClient } from './helpers.js';

// Raw HTTP against the REST data plane: auth negatives, status codes and body→frame mapping.

let emulator: RunningWebPubSubEmulator;
const API = 'api-version=2024-12-01';

beforeAll(async () => {
  emulator = await startWebPubSubEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
});

async function rest(method: string, pathAndQuery: string, init: { body?: BodyInit; contentType?: string; aud?: string; key?: string; exp?: number; token?: string | null } = {}): Promise<Response> {
  const url = `${emulator.endpoint}${pathAndQuery}`;
  const headers: Record<string, string> = {};
  if (init.token !== null) {
    const token = init.token ?? (await signJwt({ aud: init.aud ?? url, exp: init.exp ?? Math.floor(Date.now() / 1000) + 600 }, init.key ?? emulator.accessKey, { hmac: nodeHmac }));
    headers.authorization = `Bearer ${token}`;
  }
  if (init.contentType) headers['content-type'] = init.contentType;
  return fetch(url, { method, headers, ...(init.body === undefined ? {} : { body: init.body }) });
}

async function joined(hub: string, options: { userId?: string; groups?: string[]; roles?: string[]; protocol?: string | null } = {}): Promise<RawClient & { id: string }> {
  const client = await connectRaw(await clientUrl(emulator, hub, options), options.protocol === null ? undefined : (options.protocol ?? JSON_PROTOCOL));
  if (options.protocol === null) {
    const ids = emulator.connectionIds(hub);
    return Object.assign(client, { id: ids[ids.length - 1]! });
  }
  const connected = await client.next((m) => m.type === 'system');
  return Object.assign(client, { id: connected.connectionId as string });
}

describe('REST auth', () => {
  it('answers HEAD /api/health without a token', async () => {
    expect((await rest('HEAD', '/api/health', { token: null })).status).toBe(200);
  });

  it('accepts aud with or without the query string', async () => {
    expect((await rest('HEAD', `/api/hubs/h/users/nobody?${API}`)).status).toBe(404);
    expect((await rest('HEAD', `/api/hubs/h/users/nobody?${API}`, { aud: `${emulator.endpoint}/api/hubs/h/users/nobody` })).status).toBe(404);
  });

  it.each([
    ['a missing token', { token: null }],
    ['a forged token', { key: 'wrong-key' }],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 3600 }],
    ['a token for another URL', { aud: 'http://127.0.0.1:1/api/hubs/h/users/nobody' }],
    ['a token for another path', { aud: 'ENDPOINT/api/hubs/h/users/somebody' }],
  ])('answers 401 with an ErrorDetail body for %s', async (_name, init) => {
    const aud = 'aud' in init ? init.aud.replace('ENDPOINT', emulator.endpoint) : undefined;
    const response = await rest('HEAD', `/api/hubs/h/users/nobody?${API}`, { ...init, ...(aud ? { aud } : {}) } as never);
    expect(response.status).toBe(401);
    const get = await rest('GET', `/api/hubs/h/groups/g/connections?${API}`, { ...init, ...(aud ? { aud: aud.replace('users/nobody', 'groups/g/connections') } : {}) } as never);
    expect(get.status).toBe(401);
    expect(get.headers.get('x-ms-error-code')).toBe('Unauthorized');
    expect(await get.json()).toMatchObject({ code: 'Unauthorized' });
  });

  it('requires api-version and a valid hub name', async () => {
    expect((await rest('HEAD', '/api/hubs/h/users/nobody')).status).toBe(400);
    expect((await rest('HEAD', `/api/hubs/9h/users/nobody?${API}`)).status).toBe(400);
    expect((await rest('GET', `/api/hubs/h/nothing-here?${API}`)).status).toBe(404);
  });
});

describe('REST generateToken', () => {
  it('mints a client token (userId, roles, groups, minutesToExpire) that connects', async () => {
    const response = await rest('POST', `/api/hubs/Minted/:generateToken?${API}&userId=mint&role=webpubsub.sendToGroup&group=mg&minutesToExpire=5`);
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ sub: 'mint', role: ['webpubsub.sendToGroup'], 'webpubsub.group': ['mg'], aud: `${emulator.endpoint}/client/hubs/Minted` });
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);
    const client = await connectRaw(`ws://127.0.0.1:${emulator.port}/client/hubs/minted?access_token=${token}`, JSON_PROTOCOL);
    client.send({ type: 'sendToGroup', group: 'mg', dataType: 'text', data: 'x', ackId: 1 });
    expect(await client.next(isAck(1))).toMatchObject({ success: true });
    expect(await client.next((m) => m.type === 'message')).toMatchObject({ fromUserId: 'mint', group: 'mg' });
    client.ws.close();
    expect((await rest('POST', `/api/hubs/h/:generateToken?${API}&minutesToExpire=0`)).status).toBe(400);
    expect((await rest('POST', `/api/hubs/h/:generateToken?${API}&clientType=SocketIO`)).status).toBe(400);
  });
});

describe('REST sends', () => {
  it('maps json, text and binary bodies to dataType for JSON clients and to raw frames for simple clients', async () => {
    const jsonClient = await joined('map');
    const rawClient = await joined('map', { protocol: null });
    expect((await rest('POST', `/api/hubs/map/:send?${API}`, { body: '{"a":1}', contentType: 'application/json' })).status).toBe(202);
    expect((await rest('POST', `/api/hubs/map/:send?${API}`, { body: 'hi', contentType: 'text/plain' })).status).toBe(202);
    expect((await rest('POST', `/api/hubs/map/:send?${API}`, { body: new Uint8Array([9, 8]), contentType: 'application/octet-stream' })).status).toBe(202);
    await jsonClient.next((m) => m.dataType === 'binary');
    expect(jsonClient.messages.filter((m) => m.type === 'message')).toEqual([
      { type: 'message', from: 'server', dataType: 'json', data: { a: 1 } },
      { type: 'message', from: 'server', dataType: 'text', data: 'hi' },
      { type: 'message', from: 'server', dataType: 'binary', data: 'CQg=' },
    ]);
    expect(await rawClient.nextFrame()).toBe('{"a":1}');
    expect(await rawClient.nextFrame()).toBe('hi');
    expect([...((await rawClient.nextFrame()) as Buffer)]).toEqual([9, 8]);
    jsonClient.ws.close();
    rawClient.ws.close();
  });

  it('rejects bad content types, bad JSON and out-of-range messageTtlSeconds', async () => {
    expect((await rest('POST', `/api/hubs/h/:send?${API}`, { body: '<x/>', contentType: 'application/xml' })).status).toBe(415);
    expect((await rest('POST', `/api/hubs/h/:send?${API}`, { body: '{', contentType: 'application/json' })).status).toBe(400);
    expect((await rest('POST', `/api/hubs/h/:send?${API}&messageTtlSeconds=301`, { body: 'x', contentType: 'text/plain' })).status).toBe(400);
    expect((await rest('POST', `/api/hubs/h/:send?${API}&messageTtlSeconds=300`, { body: 'x', contentType: 'text/plain' })).status).toBe(202);
  });

  it('honours excluded and the OData filter on sendToAll and sendToGroup', async () => {
    const a = await joined('filter', { userId: 'ann', groups: ['g1'] });
    const b = await joined('filter', { userId: 'ben', groups: ['g1', 'g2'] });
    const c = await joined('filter', { userId: 'cat' });
    const send = (query: string, text: string) => rest('POST', `/api/hubs/filter/:send?${API}&${query}`, { body: text, contentType: 'text/plain' });
    await send(`excluded=${a.id}&excluded=${c.id}`, 'only-b');
    await send(`filter=${encodeURIComponent("'g2' in groups")}`, 'g2-members');
    await send(`filter=${encodeURIComponent("userId in ('ann','cat') and not('g1' in groups)")}`, 'cat-only');
    await send(`filter=${encodeURIComponent("startswith(tolower(userId), 'a') or userId eq 'ben'")}`, 'ann-and-ben');
    await rest('POST', `/api/hubs/filter/groups/g1/:send?${API}&excluded=${b.id}`, { body: 'g1-not-b', contentType: 'text/plain' });
    await send('', 'end');
    const texts = async (client: RawClient) => {
      await client.next((m) => m.data === 'end');
      return client.messages.filter((m) => m.type === 'message').map((m) => m.data);
    };
    expect(await texts(a)).toEqual(['ann-and-ben', 'g1-not-b', 'end']);
    expect(await texts(b)).toEqual(['only-b', 'g2-members', 'ann-and-ben', 'end']);
    expect(await texts(c)).toEqual(['cat-only', 'end']);
    expect((await send(`filter=${encodeURIComponent("userId eq 'unterminated")}`, 'x')).status).toBe(400);
    for (const client of [a, b, c]) client.ws.close();
  });
});

describe('REST permissions are enforced on client frames', () => {
  it('grant lets a client join; revoke makes the next join Forbidden; check reflects both', async () => {
    const client = await joined('perm');
    const path = `/api/hubs/perm/permissions/joinLeaveGroup/connections/${client.id}?${API}&targetName=room`;
    client.send({ type: 'joinGroup', group: 'room', ackId: 1 });
    expect(await client.next(isAck(1))).toMatchObject({ success: false, error: { name: 'Forbidden' } });
    expect((await rest('HEAD', path)).status).toBe(404);
    expect((await rest('PUT', path)).status).toBe(200);
    expect((await rest('HEAD', path)).status).toBe(200);
    client.send({ type: 'joinGroup', group: 'room', ackId: 2 });
    expect(await client.next(isAck(2))).toMatchObject({ success: true });
    expect((await rest('DELETE', path)).status).toBe(204);
    client.send({ type: 'leaveGroup', group: 'room', ackId: 3 });
    expect(await client.next(isAck(3))).toMatchObject({ success: false, error: { name: 'Forbidden' } });
    expect((await rest('PUT', `/api/hubs/perm/permissions/flyToMoon/connections/${client.id}?${API}`)).status).toBe(400);
    client.ws.close();
  });
});

describe('REST groups', () => {
  it('pages listConnectionsInGroup through nextLink', async () => {
    const clients = await Promise.all([0, 1, 2, 3, 4].map((i) => joined('list', { userId: `u${i}`, groups: ['many'] })));
    const first = await rest('GET', `/api/hubs/list/groups/many/connections?${API}&maxpagesize=2`);
    const page1 = (await first.json()) as { value: Array<{ connectionId: string; userId: string }>; nextLink: string };
    expect(page1.value).toHaveLength(2);
    const seen = [...page1.value];
    let next: string | undefined = page1.nextLink;
    while (next) {
      const response = await fetch(next, { headers: { authorization: `Bearer ${await signJwt({ aud: next, exp: Math.floor(Date.now() / 1000) + 60 }, emulator.accessKey, { hmac: nodeHmac })}` } });
      const page = (await response.json()) as { value: typeof seen; nextLink?: string };
      seen.push(...page.value);
      next = page.nextLink;
    }
    expect(seen.map((v) => v.userId).sort()).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
    const top = (await (await rest('GET', `/api/hubs/list/groups/many/connections?${API}&top=3`)).json()) as { value: unknown[]; nextLink?: string };
    expect(top.value).toHaveLength(3);
    expect(top.nextLink).toBeUndefined();
    for (const client of clients) client.ws.close();
  });

  it('addToGroups with a filter, and an empty filter selecting everyone', async () => {
    const a = await joined('bulk', { userId: 'a' });
    const b = await joined('bulk', { userId: 'b' });
    const body = (groups: string[], filter?: string) => JSON.stringify({ groups, ...(filter === undefined ? {} : { filter }) });
    expect((await rest('POST', `/api/hubs/bulk/:addToGroups?${API}`, { body: body(['x'], "userId eq 'a'"), contentType: 'application/json' })).status).toBe(200);
    expect((await rest('POST', `/api/hubs/bulk/:addToGroups?${API}`, { body: body(['y']), contentType: 'application/json' })).status).toBe(200);
    expect((await rest('GET', `/api/hubs/bulk/groups/x/connections?${API}`).then((r) => r.json())) as unknown).toEqual({ value: [{ connectionId: a.id, userId: 'a' }] });
    expect(((await rest('GET', `/api/hubs/bulk/groups/y/connections?${API}`).then((r) => r.json())) as { value: unknown[] }).value).toHaveLength(2);
    expect((await rest('POST', `/api/hubs/bulk/:removeFromGroups?${API}`, { body: body(['y'], "userId ne 'a'"), contentType: 'application/json' })).status).toBe(200);
    expect((await rest('GET', `/api/hubs/bulk/groups/y/connections?${API}`).then((r) => r.json())) as unknown).toEqual({ value: [{ connectionId: a.id, userId: 'a' }] });
    expect((await rest('POST', `/api/hubs/bulk/:addToGroups?${API}`, { body: '{"groups": 5}', contentType: 'application/json' })).status).toBe(400);
    a.ws.close();
    b.ws.close();
  });

  it('closeConnection sends system/disconnected with the reason, then closes', async () => {
    const client = await joined('close');
    expect((await rest('DELETE', `/api/hubs/close/connections/${client.id}?${API}&reason=${encodeURIComponent('bye now')}`)).status).toBe(204);
    expect(await client.next((m) => m.event === 'disconnected')).toEqual({ type: 'system', event: 'disconnected', message: 'bye now' });
    expect((await client.closed).code).toBe(1000);
    expect((await rest('HEAD', `/api/hubs/close/connections/${client.id}?${API}`)).status).toBe(404);
  });

  it('a close reason over the 123-byte close-frame limit (non-ASCII) is cut, not a 500 with the socket left open', async () => {
    const client = await joined('close');
    const reason = 'ü'.repeat(100); // 200 UTF-8 bytes
    expect((await rest('DELETE', `/api/hubs/close/connections/${client.id}?${API}&reason=${encodeURIComponent(reason)}`)).status).toBe(204);
    const closed = await client.closed;
    expect(closed.code).toBe(1000);
    expect(new TextEncoder().encode(closed.reason).length).toBeLessThanOrEqual(123);
  });
});

describe('the shared operation table (core/webpubsub/rest-spec.ts)', () => {
  it('every operation the client is built from is routed by the emulator and answers with its success status', async () => {
    const client = await joined('spec', { userId: 'u1', groups: ['g1'], roles: ['webpubsub.joinLeaveGroup'] });
    const values: Record<string, string> = { connectionId: client.id, group: 'g1', userId: 'u1', permission: 'joinLeaveGroup' };
    const answered: Record<string, number> = {};
    // Operations that take something away run last; the closing ones spare the client.
    const destructive = (name: string) => /^(close|remove|revoke)/.test(name);
    const names = Object.keys(REST_OPERATIONS) as Array<keyof typeof REST_OPERATIONS>;
    for (const name of [...names.filter((n) => !destructive(n)), ...names.filter(destructive)]) {
      const operation = REST_OPERATIONS[name];
      const [method, , query, , body] = operation;
      const path = `/${restPath('spec', operation, (key) => encodeURIComponent(name === 'closeConnection' || name === 'group.removeConnection' ? 'other' : values[key]!))}?${API}`;
      const spare = query.includes('excluded') ? `&excluded=${client.id}` : '';
      const init = body === 'message' ? { body: '"hi"', contentType: 'application/json' } : body === 'groups' ? { body: JSON.stringify({ groups: ['g2'] }), contentType: 'application/json' } : {};
      answered[name] = (await rest(method, path + spare, init)).status;
    }
    const expected = Object.fromEntries(names.map((name) => [name, REST_OPERATIONS[name][3]]));
    expect(answered).toEqual(expected);
    client.ws.close();
  });
});

