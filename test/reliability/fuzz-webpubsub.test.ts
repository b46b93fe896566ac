import { WebPubSubServiceClient } from '@azure/web-pubsub';
import WebSocket from 'ws';
import { beforeAll, describe, it } from 'vitest';
import { signJwt } from '../../src/core/jwt.js';
import { encodeUpstream, encodeUpstreamProtobuf, type UpstreamMessage } from '../../src/core/webpubsub/frames.js';
import { nodeHmac } from '../../src/node/hmac.js';
import { scale } from './harness/budget.js';
import { EmulatorFixture } from './harness/fixture.js';
import { webPubSubWorks } from './harness/legit.js';
import { frameSalad, upgradeRequest } from './harness/raw-ws.js';
import { record, replayMutated } from './harness/wire.js';

// Network fuzz of the Web PubSub port: recorded client sessions of all four subprotocols and of
// a simple WebSocket client, recovery handshakes of reliable sessions (with and without valid
// recovery parameters, with frames glued behind: issue 10 finding 2) and recorded REST calls of
// @azure/web-pubsub, replayed with byte edits.

const fixture = new EmulatorFixture();
const clientSeeds: Buffer[] = [];
const restSeeds: Buffer[] = [];
const HUB = 'fuzzhub';
const SUBPROTOCOLS = ['json.webpubsub.azure.v1', 'json.reliable.webpubsub.azure.v1', 'protobuf.webpubsub.azure.v1', 'protobuf.reliable.webpubsub.azure.v1'];
const port = () => Number(new URL(fixture.child.info.webpubsub.endpoint as string).port);
const viaProxy = (proxyPort: number) => fixture.child.info.webpubsub.connectionString.replace(/:\d+;/, `:${proxyPort};`);

const UPSTREAM: UpstreamMessage[] = [
  { type: 'joinGroup', group: 'g', ackId: 1 },
  { type: 'sendToGroup', group: 'g', ackId: 2, dataType: 'text', data: 'hi' },
  { type: 'sendToGroup', group: 'g', dataType: 'json', data: { a: [1, 2] }, noEcho: true },
  { type: 'event', event: 'message', ackId: 3, dataType: 'binary', data: new Uint8Array([1, 2, 3]) },
  { type: 'sequenceAck', sequenceId: 1 },
  { type: 'ping' },
  { type: 'leaveGroup', group: 'g', ackId: 4 },
];

function collectSecrets(bytes: Buffer): void {
  const text = bytes.toString('latin1');
  for (const match of text.matchAll(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g)) fixture.secrets.add(match[0]);
  for (const match of text.matchAll(/awps_reconnection_token=([^&\s]+)/g)) fixture.secrets.add(decodeURIComponent(match[1]!));
}

/** One client session through the proxy; resolves with the connected message (for recovery). */
async function session(service: WebPubSubServiceClient, proxy: number, subprotocol: string | undefined, drop = false): Promise<{ connectionId?: string; reconnectionToken?: string }> {
  const { url } = await service.getClientAccessToken({ userId: 'recorded', roles: ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'] });
  const ws = new WebSocket(url.replace(/:\d+\//, `:${proxy}/`), subprotocol ? [subprotocol] : []);
  return new Promise((resolve, reject) => {
    let connected: { connectionId?: string; reconnectionToken?: string } = {};
    ws.on('message', (data, isBinary) => {
      if (!isBinary && data.toString().includes('"connected"')) connected = JSON.parse(data.toString()) as typeof connected;
    });
    ws.once('open', () => {
      for (const message of UPSTREAM) {
        if (!subprotocol) ws.send('plain text for a simple client');
        else if (subprotocol.startsWith('protobuf')) ws.send(encodeUpstreamProtobuf(message));
        else ws.send(encodeUpstream(message));
      }
      setTimeout(() => {
        if (drop) ws.terminate();
        else ws.close(1000);
        resolve(connected);
      }, 150);
    });
    ws.once('error', reject);
  });
}

beforeAll(async () => {
  const recording = await record(port(), async (proxy) => {
    const service = new WebPubSubServiceClient(viaProxy(proxy), HUB, { allowInsecureConnection: true });
    for (const subprotocol of [...SUBPROTOCOLS, undefined]) await session(service, proxy, subprotocol);
    // A reliable session dropped and recovered: the recovery handshake carries the real parameters.
    const first = await session(service, proxy, SUBPROTOCOLS[1], true);
    if (first.connectionId && first.reconnectionToken) {
      const recover = new WebSocket(`ws://127.0.0.1:${proxy}/client/hubs/${HUB}?awps_connection_id=${encodeURIComponent(first.connectionId)}&awps_reconnection_token=${encodeURIComponent(first.reconnectionToken)}`, [SUBPROTOCOLS[1]!]);
      await new Promise((resolve) => {
        recover.once('open', () => setTimeout(resolve, 100));
        recover.once('error', resolve);
        recover.once('unexpected-response', resolve);
      });
      recover.terminate();
    }
  });
  clientSeeds.push(...recording.connections);
  const rest = await record(port(), async (proxy) => {
    const service = new WebPubSubServiceClient(viaProxy(proxy), HUB, { allowInsecureConnection: true });
    await service.sendToAll({ hello: 'all' });
    await service.sendToAll('text', { contentType: 'text/plain', filter: "userId ne 'x' and 'g' in groups" });
    await service.group('g').sendToAll('to group');
    await service.group('g').addUser('recorded');
    await service.userExists('recorded');
    await service.closeAllConnections({ reason: 'recorded' });
  });
  restSeeds.push(...rest.connections);
  for (const seed of [...clientSeeds, ...restSeeds]) collectSecrets(seed);
  // Recovery handshakes without a valid session or token, frames glued behind (finding 2).
  for (const [index, frames] of frameSalad().entries()) {
    for (const subprotocol of SUBPROTOCOLS) {
      clientSeeds.push(Buffer.concat([upgradeRequest(`/client/hubs/${HUB}?awps_connection_id=c${index}&awps_reconnection_token=not-a-token`, { 'Sec-WebSocket-Protocol': subprotocol }), frames]));
    }
  }
  if (recording.connections.length < 5 || restSeeds.length === 0) throw new Error(`recording failed: ${recording.connections.length} client, ${restSeeds.length} REST connections`);
}, 60_000);

describe('Web PubSub port under mutated traffic', () => {
  it('client handshakes (four subprotocols, simple, recovery) and their frames: mutated', { timeout: 300_000 }, async () => {
    const count = scale(400, 5_000);
    await fixture.batch({
      target: 'fuzz: Web PubSub client handshakes + frames',
      cases: count,
      attack: async () => void (await replayMutated({ port: port(), seeds: clientSeeds, count, seed: 707 })),
      legit: (child) => webPubSubWorks(child, fixture.secrets),
    });
  });

  it('REST API requests of @azure/web-pubsub: mutated', { timeout: 300_000 }, async () => {
    const count = scale(300, 5_000);
    await fixture.batch({
      target: 'fuzz: Web PubSub REST',
      cases: count,
      attack: async () => void (await replayMutated({ port: port(), seeds: restSeeds, count, seed: 808 })),
      legit: (child) => webPubSubWorks(child, fixture.secrets),
    });
  });

  it('JSON nested 5,000 deep and a filter 2,000 parentheses deep: REST 400 and WebSocket 1007, not 500 / 1011 (finding 14)', { timeout: 60_000 }, async () => {
    const depth = 5_000;
    await fixture.batch({
      target: 'fuzz: Web PubSub deep JSON (REST and WebSocket)',
      cases: 3,
      attack: async (child) => {
        const problems: string[] = [];
        const service = new WebPubSubServiceClient(child.info.webpubsub.connectionString, HUB, { allowInsecureConnection: true });
        // By hand: the SDK cannot serialize what it is given at this depth before sending.
        const endpoint = child.info.webpubsub.endpoint as string;
        const target = `${endpoint}/api/hubs/${HUB}/:send?api-version=2024-01-01`;
        const key = child.info.webpubsub.connectionString.match(/AccessKey=([^;]+)/)![1]!;
        const restToken = await signJwt({ aud: target, exp: Math.floor(Date.now() / 1000) + 600 }, key, { hmac: nodeHmac });
        fixture.secrets.add(restToken);
        const response = await fetch(target, { method: 'POST', headers: { authorization: `Bearer ${restToken}`, 'content-type': 'application/json' }, body: `${'['.repeat(depth)}${']'.repeat(depth)}` });
        await response.arrayBuffer();
        if (response.status !== 400) problems.push(`REST answered ${response.status}`);
        // An OData filter 2,000 parentheses deep (it overflowed the parser's stack: 500).
        const filter = encodeURIComponent(`${'('.repeat(2000)}userId eq 'a'${')'.repeat(2000)}`);
        const filteredTarget = `${target}&filter=${filter}`;
        const filteredToken = await signJwt({ aud: filteredTarget, exp: Math.floor(Date.now() / 1000) + 600 }, key, { hmac: nodeHmac });
        fixture.secrets.add(filteredToken);
        const filtered = await fetch(filteredTarget, { method: 'POST', headers: { authorization: `Bearer ${filteredToken}`, 'content-type': 'text/plain' }, body: 'x' });
        await filtered.arrayBuffer();
        if (filtered.status !== 400) problems.push(`REST with a deep filter answered ${filtered.status}`);
        const { url, token } = await service.getClientAccessToken({ roles: ['webpubsub.sendToGroup'] });
        fixture.secrets.add(token);
        const ws = new WebSocket(url, ['json.webpubsub.azure.v1']);
        const code = await new Promise<number>((resolve) => {
          ws.once('open', () => ws.send(`{"type":"sendToGroup","group":"g","dataType":"json","data":${'['.repeat(depth)}${']'.repeat(depth)}}`));
          ws.once('close', (closeCode) => resolve(closeCode));
          ws.once('error', () => {});
          setTimeout(() => resolve(0), 5000);
        });
        ws.terminate();
        if (code !== 1007) problems.push(`WebSocket closed with ${code || 'nothing in 5 s'}`);
        if (problems.length) throw new Error(`expected REST 400 (twice) and close 1007: ${problems.join('; ')}`);
      },
      legit: (child) => webPubSubWorks(child, fixture.secrets),
    });
  });
});
