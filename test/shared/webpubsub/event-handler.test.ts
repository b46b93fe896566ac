import { describe, expect, it } from 'vitest';
import { RealtimeError } from '../../../src/core/index.js';
import { createWebPubSubEventHandler, type ConnectRequest, type UserEventRequest } from '../../../src/core/webpubsub/index.js';
import { KEY } from './fake-fetch.js';

const SECONDARY = 'SECONDARYKEY0123456789SECONDARYKEY0123456789';

// The signature computed here with WebCrypto directly, not with the code under test (note §5).
async function signatureOf(connectionId: string, key: string): Promise<string> {
  const subtle = globalThis.crypto.subtle;
  const cryptoKey = await subtle.importKey('raw', new TextEncoder().encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await subtle.sign('HMAC', cryptoKey, new TextEncoder().encode(connectionId)));
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

async function event(type: string, init: { body?: BodyInit; contentType?: string; connectionId?: string; signature?: string | null; headers?: Record<string, string> } = {}) {
  const connectionId = init.connectionId ?? 'conn-1';
  const headers: Record<string, string> = {
    'ce-specversion': '1.0',
    'ce-awpsversion': '1.0',
    'ce-type': type,
    'ce-source': `/hubs/chat/client/${connectionId}`,
    'ce-id': '1',
    'ce-time': new Date().toISOString(),
    'ce-hub': 'chat',
    'ce-connectionid': connectionId,
    'ce-userid': 'alice',
    'ce-eventname': type.split('.').pop()!,
    'webhook-request-origin': 'contoso.webpubsub.azure.com',
    'content-type': init.contentType ?? 'application/json',
    ...init.headers,
  };
  const signature = init.signature === undefined ? await signatureOf(connectionId, KEY) : init.signature;
  if (signature !== null) headers['ce-signature'] = signature;
  return new Request('https://app.example.com/eventhandler', { method: 'POST', headers, body: init.body ?? '{}' });
}

describe('createWebPubSubEventHandler', () => {
  it('answers abuse protection (OPTIONS) with WebHook-Allowed-Origin', async () => {
    const handler = createWebPubSubEventHandler({ hub: 'chat', accessKeys: [KEY] });
    const ok = await handler(new Request('https://app.example.com/eventhandler', { method: 'OPTIONS', headers: { 'webhook-request-origin': 'contoso.webpubsub.azure.com', 'ce-awpsversion': '1.0' } }));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('webhook-allowed-origin')).toBe('*');
    const missing = await handler(new Request('https://app.example.com/eventhandler', { method: 'OPTIONS' }));
    expect(missing.status).toBe(400);
    const restricted = createWebPubSubEventHandler({ hub: 'chat', accessKeys: [KEY], allowedEndpoints: ['https://contoso.webpubsub.azure.com'] });
    const allowed = await restricted(new Request('https://x/', { method: 'OPTIONS', headers: { 'webhook-request-origin': 'contoso.webpubsub.azure.com' } }));
    expect(allowed.headers.get('webhook-allowed-origin')).toBe('contoso.webpubsub.azure.com');
    const other = await restricted(new Request('https://x/', { method: 'OPTIONS', headers: { 'webhook-request-origin': 'evil.webpubsub.azure.com' } }));
    expect(other.status).toBe(403);
    expect(other.headers.get('webhook-allowed-origin')).toBeNull();
  });

  it('rejects unsigned, wrongly signed and tampered events with 401 before any handler runs', async () => {
    let calls = 0;
    const handler = createWebPubSubEventHandler({ hub: 'chat', accessKeys: [KEY], handleConnect: () => void calls++, onConnected: () => void calls++, handleUserEvent: () => void calls++ });
    const unsigned = await handler(await event('azure.webpubsub.sys.connect', { signature: null }));
    const wrongKey = await handler(await event('azure.webpubsub.sys.connected', { signature: await signatureOf('conn-1', 'another-key') }));
    // Signed for conn-1, replayed with a different connection id.
    const tampered = await handler(await event('azure.webpubsub.user.message', { connectionId: 'conn-2', signature: await signatureOf('conn-1', KEY), contentType: 'text/plain', body: 'x' }));
    const garbage = await handler(await event('azure.webpubsub.sys.connect', { signature: 'sha256=zz,md5=1' }));
    const flipped = (await signatureOf('conn-1', KEY)).replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const oneBit = await handler(await event('azure.webpubsub.sys.connect', { signature: flipped }));
    expect([unsigned.status, wrongKey.status, tampered.status, garbage.status, oneBit.status]).toEqual([401, 401, 401, 401, 401]);
    expect(calls).toBe(0);
  });

  it('accepts a signature list where any entry matches any configured key (key rotation)', async () => {
    const handler = createWebPubSubEventHandler({ hub: 'chat', accessKeys: [KEY, SECONDARY] });
    const both = `${await signatureOf('conn-1', 'old-key')},${(await signatureOf('conn-1', SECONDARY)).toUpperCase().replace('SHA256', 'sha256')}`;
    expect((await handler(await event('azure.webpubsub.sys.connected', { signature: both }))).status).toBe(204);
  });

  it('dispatches connect with claims and answers the ConnectResponse as JSON, keeping state', async () => {
    let seen: ConnectRequest | undefined;
    const handler = createWebPubSubEventHandler({
      hub: 'Chat',
      connectionString: `Endpoint=https://contoso.webpubsub.azure.com;AccessKey=${KEY};Version=1.0;`,
      handleConnect: (request) => {
        seen = request;
        request.context.setState('visits', 1);
        return { userId: 'alice', groups: ['g1'], roles: ['webpubsub.sendToGroup.g1'] };
      },
    });
    const body = JSON.stringify({ claims: { sub: ['alice'] }, query: { a: ['1'] }, headers: {}, subprotocols: ['json.webpubsub.azure.v1'], clientCertificates: [] });
    const response = await handler(await event('azure.webpubsub.sys.connect', { body, headers: { 'ce-subprotocol': 'json.webpubsub.azure.v1' } }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ userId: 'alice', groups: ['g1'], roles: ['webpubsub.sendToGroup.g1'] });
    const state = response.headers.get('ce-connectionstate')!;
    expect(JSON.parse(atob(state))).toEqual({ visits: 1 });
    expect(seen?.claims).toEqual({ sub: ['alice'] });
    expect(seen?.context).toMatchObject({ hub: 'chat', connectionId: 'conn-1', userId: 'alice', subprotocol: 'json.webpubsub.azure.v1', origin: 'contoso.webpubsub.azure.com', clientProtocol: 'default' });
  });

  it('turns a RealtimeError with a 4xx status from handleConnect into that status', async () => {
    const handler = createWebPubSubEventHandler({
      hub: 'chat',
      accessKeys: [KEY],
      handleConnect: () => {
        throw new RealtimeError('unauthorized', 'no such user', { status: 401 });
      },
    });
    const response = await handler(await event('azure.webpubsub.sys.connect'));
    expect(response.status).toBe(401);
    expect(await response.text()).toBe('no such user');
    const crashing = createWebPubSubEventHandler({ hub: 'chat', accessKeys: [KEY], handleConnect: () => { throw new Error(`secret ${KEY}`); } });
    const crashed = await crashing(await event('azure.webpubsub.sys.connect'));
    expect(crashed.status).toBe(500);
    expect(await crashed.text()).not.toContain(KEY);
  });

  it('answers an MQTT connect rejection as {mqtt: {code, reason}} with the CONNACK code of the version', async () => {
    const handler = createWebPubSubEventHandler({
      hub: 'chat',
      accessKeys: [KEY],
      handleConnect: ({ mqtt }) => {
        throw new RealtimeError('unauthorized', `bad password for ${mqtt?.username}`, { status: 401 });
      },
    });
    const mqttHeaders = { 'ce-subprotocol': 'mqtt', 'ce-physicalconnectionid': 'phys-1', 'ce-sessionid': 's-1' };
    const v5 = await handler(await event('azure.webpubsub.sys.connect', { headers: mqttHeaders, body: JSON.stringify({ mqtt: { protocolVersion: 5, username: 'dev1' } }) }));
    expect(v5.status).toBe(401);
    expect(await v5.json()).toEqual({ mqtt: { code: 0x87, reason: 'bad password for dev1' } });
    const v311 = await handler(await event('azure.webpubsub.sys.connect', { headers: mqttHeaders, body: JSON.stringify({ mqtt: { protocolVersion: 4, username: 'dev2' } }) }));
    expect(await v311.json()).toEqual({ mqtt: { code: 5, reason: 'bad password for dev2' } });
  });

  it('decodes user events by content type and replies with the handler result', async () => {
    const seen: UserEventRequest[] = [];
    const state = btoa(JSON.stringify({ visits: 1 }));
    const handler = createWebPubSubEventHandler({
      hub: 'chat',
      accessKeys: [KEY],
      handleUserEvent: (request) => {
        seen.push(request);
        if (request.dataType === 'json') {
          request.context.setState('visits', (request.context.states.visits as number) + 1);
          return { dataType: 'json', data: { echo: request.data } };
        }
        if (request.dataType === 'binary') return { dataType: 'binary', data: request.data.slice().reverse() };
        return undefined;
      },
    });
    const json = await handler(await event('azure.webpubsub.user.message', { body: '{"n":1}', contentType: 'application/json; charset=utf-8', headers: { 'ce-connectionstate': state } }));
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json.json()).toEqual({ echo: { n: 1 } });
    expect(JSON.parse(atob(json.headers.get('ce-connectionstate')!))).toEqual({ visits: 2 });
    const binary = await handler(await event('azure.webpubsub.user.upload', { body: new Uint8Array([1, 2, 3]), contentType: 'application/octet-stream' }));
    expect(binary.headers.get('content-type')).toBe('application/octet-stream');
    expect(Array.from(new Uint8Array(await binary.arrayBuffer()))).toEqual([3, 2, 1]);
    const textEvent = await handler(await event('azure.webpubsub.user.message', { body: 'héllo', contentType: 'text/plain' }));
    expect(textEvent.status).toBe(204);
    expect(seen.map((s) => [s.context.eventName, s.dataType, s.data instanceof Uint8Array ? Array.from(s.data) : s.data])).toEqual([
      ['message', 'json', { n: 1 }],
      ['upload', 'binary', [1, 2, 3]],
      ['message', 'text', 'héllo'],
    ]);
    const badJson = await handler(await event('azure.webpubsub.user.message', { body: '{', contentType: 'application/json' }));
    expect(badJson.status).toBe(400);
  });

  it('calls onConnected and onDisconnected with the reason', async () => {
    const log: string[] = [];
    const handler = createWebPubSubEventHandler({
      hub: 'chat',
      accessKeys: [KEY],
      onConnected: ({ context }) => void log.push(`connected ${context.connectionId}`),
      onDisconnected: ({ context, reason }) => void log.push(`disconnected ${context.connectionId} ${reason}`),
    });
    expect((await handler(await event('azure.webpubsub.sys.connected'))).status).toBe(204);
    expect((await handler(await event('azure.webpubsub.sys.disconnected', { body: '{"reason":"bye"}' }))).status).toBe(204);
    expect(log).toEqual(['connected conn-1', 'disconnected conn-1 bye']);
  });

  it('answers 400 for non-Web PubSub requests, 404 for another hub or path, 405 for other methods', async () => {
    const handler = createWebPubSubEventHandler({ hub: 'chat', accessKeys: [KEY], path: '/eventhandler/' });
    expect((await handler(await event('com.example.other'))).status).toBe(400);
    expect((await handler(await event('azure.webpubsub.sys.connected', { headers: { 'ce-awpsversion': '' } }))).status).toBe(400);
    expect((await handler(await event('azure.webpubsub.sys.connected', { headers: { 'ce-hub': 'other' } }))).status).toBe(404);
    expect((await handler(new Request('https://app.example.com/elsewhere', { method: 'POST' }))).status).toBe(404);
    expect((await handler(new Request('https://app.example.com/EventHandler', { method: 'PUT' }))).status).toBe(405);
    expect((await handler(await event('azure.webpubsub.sys.connected', { headers: { 'ce-connectionstate': '!!' } }))).status).toBe(400);
    expect(() => createWebPubSubEventHandler({ hub: 'chat' })).toThrow(/accessKeys or connectionString/);
  });
});
