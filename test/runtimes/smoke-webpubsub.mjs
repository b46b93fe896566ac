// Web PubSub checks run inside each runtime against a real emulator (started in Node by
// scripts/smoke-runtimes.mjs, which passes its connection string). The package is imported by
// name; signatures are recomputed here with WebCrypto directly, not with the package's code.
import { WebPubSubServiceClient, createWebPubSubEventHandler, isRealtimeError } from 'azure-realtime';

const HUB = 'smoke';
const encoder = new TextEncoder();

async function hmacSha256(key, message) {
  const cryptoKey = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(message)));
}
const base64Url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const decodePart = (part) => JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')));

// A connect event as the service sends it upstream (webpubsub note §5).
function connectEvent(connectionId, signature) {
  const headers = {
    'ce-specversion': '1.0',
    'ce-awpsversion': '1.0',
    'ce-type': 'azure.webpubsub.sys.connect',
    'ce-source': `/hubs/${HUB}/client/${connectionId}`,
    'ce-id': '1',
    'ce-time': new Date().toISOString(),
    'ce-hub': HUB,
    'ce-connectionid': connectionId,
    'ce-eventname': 'connect',
    'webhook-request-origin': 'smoke.webpubsub.local',
    'content-type': 'application/json',
  };
  if (signature) headers['ce-signature'] = signature;
  const body = JSON.stringify({ claims: { sub: ['smoke-user'] }, query: {}, headers: {}, subprotocols: [], clientCertificates: [] });
  return new Request('https://app.example/eventhandler', { method: 'POST', headers, body });
}

export async function webPubSubChecks(check, connectionString) {
  const accessKey = /(?:^|;)\s*AccessKey=([^;]+)/i.exec(connectionString)?.[1];
  const endpoint = /(?:^|;)\s*Endpoint=([^;]+)/i.exec(connectionString)?.[1]?.replace(/\/?$/, '/');
  const statuses = [];
  // The `fetch` option records what the emulator answered, so "202" and "404" are seen, not assumed.
  const recordingFetch = (url, init) => fetch(url, init).then((response) => (statuses.push(`${init.method} ${response.status}`), response));
  const service = new WebPubSubServiceClient(connectionString, HUB, { fetch: recordingFetch });
  const unique = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

  await check('Web PubSub: getClientAccessToken signs a token that verifies with the access key', async () => {
    const { token, url } = await service.getClientAccessToken({ userId: 'smoke-user', roles: ['webpubsub.joinLeaveGroup'] });
    const [header, payload, signature] = token.split('.');
    if (signature !== base64Url(await hmacSha256(accessKey, `${header}.${payload}`))) return 'signature is not HMAC-SHA256 of the access key';
    const claims = decodePart(payload);
    if (decodePart(header).alg !== 'HS256') return `alg ${decodePart(header).alg}`;
    if (claims.aud !== `${endpoint}client/hubs/${HUB}`) return `aud ${claims.aud}`;
    if (claims.sub !== 'smoke-user' || !(claims.exp > Date.now() / 1000)) return `claims ${JSON.stringify(claims)}`;
    return url === `${endpoint.replace(/^http/, 'ws')}client/hubs/${HUB}?access_token=${token}` || `url ${url}`;
  });

  await check('Web PubSub: sendToAll (JSON and text) answered 202 by the emulator', async () => {
    statuses.length = 0;
    await service.sendToAll({ hello: 'smoke' });
    await service.sendToAll('hi', { contentType: 'text/plain' });
    return statuses.join(',') === 'POST 202,POST 202' || `statuses ${statuses.join(',')}`;
  });

  await check('Web PubSub: groupExists / connectionExists answer false for unknown ones (HEAD 404)', async () => {
    statuses.length = 0;
    const group = await service.groupExists(`none-${unique}`);
    const connection = await service.connectionExists(`none-${unique}`);
    return (group === false && connection === false && statuses.join(',') === 'HEAD 404,HEAD 404') || `groupExists ${group}, connectionExists ${connection}, statuses ${statuses.join(',')}`;
  });

  await check('Web PubSub: adding a missing connection to a group is a typed not_found (404, NotFound)', async () => {
    const error = await service.group('smoke').addConnection(`none-${unique}`).then(() => 'resolved', (e) => e);
    return (isRealtimeError(error) && error.code === 'not_found' && error.status === 404 && error.serviceCode === 'NotFound') || `got ${error?.code} ${error?.status} ${error?.serviceCode}: ${error}`;
  });

  await check('Web PubSub: a wrong access key is a typed unauthorized (401), not retried', async () => {
    statuses.length = 0;
    const wrong = new WebPubSubServiceClient(connectionString.replace(/AccessKey=[^;]+/i, 'AccessKey=not-the-emulator-key'), HUB, { fetch: recordingFetch });
    const error = await wrong.sendToAll({}).then(() => 'resolved', (e) => e);
    return (isRealtimeError(error) && error.code === 'unauthorized' && error.status === 401 && statuses.length === 1) || `got ${error?.code} ${error?.status}, ${statuses.length} requests: ${error}`;
  });

  await check('Web PubSub: event handler answers 401 unsigned, 200 signed (connect)', async () => {
    const handler = createWebPubSubEventHandler({ hub: HUB, connectionString, handleConnect: ({ claims }) => ({ userId: claims?.sub?.[0], groups: ['smoke'] }) });
    const unsigned = await handler(connectEvent('conn-smoke'));
    const wrongKey = await handler(connectEvent('conn-smoke', `sha256=${hex(await hmacSha256('another-key', 'conn-smoke'))}`));
    const signed = await handler(connectEvent('conn-smoke', `sha256=${hex(await hmacSha256(accessKey, 'conn-smoke'))}`));
    const body = signed.status === 200 ? await signed.json() : await signed.text();
    const ok = unsigned.status === 401 && wrongKey.status === 401 && signed.status === 200 && body.userId === 'smoke-user' && body.groups?.[0] === 'smoke';
    return ok || `unsigned ${unsigned.status}, wrong key ${wrongKey.status}, signed ${signed.status} ${JSON.stringify(body)}`;
  });
}
