import { connect } from 'node:net';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../../src/core/jwt.js';
import { nodeHmac } from '../../../src/node/hmac.js';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { clientUrl, connectRaw, JSON_PROTOCOL, RELIABLE_PROTOCOL } from './helpers.js';

// Issue 10 findings 2, 9 and 14: input that used to kill the process, grow the hub registry, or get a
// server error (1011 / 500) for a client's mistake. Each test fails without its fix.

let emulator: RunningWebPubSubEmulator;
let service: WebPubSubServiceClient;
const HUB = 'hostile';

beforeAll(async () => {
  emulator = await startWebPubSubEmulator({ port: 0 });
  service = new WebPubSubServiceClient(emulator.connectionString, HUB, { allowInsecureConnection: true });
});
afterAll(async () => {
  await emulator.close();
});

/** Writes `bytes` in one TCP write and collects everything until the server ends the connection. */
function rawExchange(bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(emulator.port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

function upgradeRequest(path: string, protocol: string): string {
  return [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${emulator.port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Protocol: ${protocol}`,
    '',
    '',
  ].join('\r\n');
}

async function alive(): Promise<void> {
  expect((await fetch(`${emulator.endpoint}/api/health`, { method: 'HEAD' })).status).toBe(200);
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('recovery handshakes (finding 2)', () => {
  it('a malformed frame in the same TCP write as an unknown recovery does not reach an unguarded socket', async () => {
    // An unmasked client frame: ws rejects it with an 'error' event as soon as it parses it.
    const frame = Buffer.from([0x81, 0x05, ...Buffer.from('hello')]);
    const path = `/client/hubs/${HUB}?awps_connection_id=nobody&awps_reconnection_token=forged`;
    const reply = await rawExchange(Buffer.concat([Buffer.from(upgradeRequest(path, RELIABLE_PROTOCOL)), frame]));
    expect(reply.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
    await alive();
    expect(emulator.stats().hubs).toBe(0);
  });

  it('a refused recovery does not hold the socket for a peer that never answers the close', async () => {
    const path = `/client/hubs/${HUB}?awps_connection_id=nobody&awps_reconnection_token=forged`;
    const reply = await rawExchange(Buffer.from(upgradeRequest(path, RELIABLE_PROTOCOL)));
    // 101, then the close frame: 0x88, length, code 1008 (0x03f0).
    const text = reply.toString('latin1');
    expect(text).toMatch(/^HTTP\/1\.1 101 /);
    const frame = reply.subarray(text.indexOf('\r\n\r\n') + 4);
    expect([frame[0], frame.readUInt16BE(2)]).toEqual([0x88, 1008]);
  });

  it('a refused recovery is answered with close code 1008, the documented failure', async () => {
    const url = `${emulator.endpoint.replace('http', 'ws')}/client/hubs/${HUB}?awps_connection_id=nobody&awps_reconnection_token=forged`;
    const client = await connectRaw(url, RELIABLE_PROTOCOL);
    expect((await client.closed).code).toBe(1008);
  });
});

describe('nothing is stored for a hub before authorization (finding 9)', () => {
  it('unauthenticated handshakes and REST calls to new hub names leave the registry empty', async () => {
    for (let i = 0; i < 50; i++) {
      const reply = await rawExchange(Buffer.from(upgradeRequest(`/client/hubs/probe${i}`, JSON_PROTOCOL)));
      expect(reply.toString('latin1')).toMatch(/^HTTP\/1\.1 401 /);
    }
    const other = new WebPubSubServiceClient(emulator.connectionString, 'restProbe', { allowInsecureConnection: true });
    expect(await other.groupExists('g')).toBe(false);
    await other.sendToAll('nobody', { contentType: 'text/plain' });
    expect(emulator.stats().hubs).toBe(0);
  });

  it('a hub is forgotten when its last connection closes', async () => {
    const client = await connectRaw(await clientUrl(emulator, 'shortLived'), JSON_PROTOCOL);
    await client.next((m) => m.type === 'system');
    expect(emulator.stats().hubs).toBe(1);
    client.ws.close();
    await client.closed;
    await expect.poll(() => emulator.stats().hubs).toBe(0);
  });
});

describe('input that decodes but cannot be re-encoded is a client error (finding 14)', () => {
  it('JSON data nested 5,000 deep closes the sender with 1007, not 1011', async () => {
    const url = await clientUrl(emulator, HUB, { roles: ['webpubsub.sendToGroup'], groups: ['deep'] });
    const client = await connectRaw(url, JSON_PROTOCOL);
    await client.next((m) => m.type === 'system');
    client.send(`{"type":"sendToGroup","group":"deep","dataType":"json","data":${nested(5000)}}`);
    expect((await client.closed).code).toBe(1007);
  });

  it('a REST body nested 5,000 deep is 400 InvalidArgument, not 500', async () => {
    // A receiver, so that a body that decodes would have to be re-encoded for it.
    const client = await connectRaw(await clientUrl(emulator, HUB), JSON_PROTOCOL);
    await client.next((m) => m.type === 'system');
    // The SDK cannot stringify this deep itself; the same request with a token minted as it mints one.
    const response = await postAsSdk(`/api/hubs/${HUB}/:send`, nested(5000));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'InvalidArgument' });
    client.ws.close();
  });

  it('an OData filter with 2,000 nested parentheses is 400, not 500', async () => {
    const filter = `${'('.repeat(2000)}userId eq 'a'${')'.repeat(2000)}`;
    const error = await service.sendToAll('x', { contentType: 'text/plain', filter }).catch((e: { statusCode?: number }) => e);
    expect(error).toMatchObject({ statusCode: 400 });
    const shallow = `${'('.repeat(20)}userId eq 'a'${')'.repeat(20)}`;
    await service.sendToAll('x', { contentType: 'text/plain', filter: shallow });
  });

  it('a protobuf ackId written as an over-long varint closes with 1007, not 1011', async () => {
    const client = await connectRaw(await clientUrl(emulator, HUB), 'protobuf.webpubsub.azure.v1');
    await client.nextFrame();
    // UpstreamMessage{ join_group_message(6) { group(1) "g", ack_id(2) = 200 zero continuation bytes then 1 } }
    const inner = Buffer.from([0x0a, 0x01, 0x67, 0x10, ...new Array<number>(200).fill(0x80), 0x01]);
    client.ws.send(Buffer.concat([Buffer.from([0x32, 0x80 | (inner.length & 0x7f), inner.length >> 7]), inner]));
    expect((await client.closed).code).toBe(1007);
  });
});

/** POSTs a raw body with a token minted the way the SDK mints it (aud = the request URL). */
async function postAsSdk(path: string, body: string): Promise<Response> {
  const url = `${emulator.endpoint}${path}?api-version=2024-12-01`;
  const token = await signJwt({ aud: url, exp: Math.floor(Date.now() / 1000) + 60 }, emulator.accessKey, { hmac: nodeHmac });
  return fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
}
