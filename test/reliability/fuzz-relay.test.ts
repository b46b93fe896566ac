import { createConnection } from 'node:net';
import WebSocket from 'ws';
import { beforeAll, describe, it } from 'vitest';
import { createSasToken } from '../../src/core/sas.js';
import { HybridConnectionClient, HybridConnectionListener } from '../../src/node/relay.js';
import { nodeHmac } from '../../src/node/hmac.js';
import { scale } from './harness/budget.js';
import { EmulatorFixture } from './harness/fixture.js';
import { relayWorks } from './harness/legit.js';
import { mutate, mutationsArb } from './harness/mutate.js';
import { frameSalad, upgradeRequest } from './harness/raw-ws.js';
import { record, replayMutated } from './harness/wire.js';
import fc from 'fast-check';

// Network fuzz of the Relay ports: recorded listener control channels and sender connects,
// recorded HTTP requests through the front, and rendezvous (accept) handshakes with mutated
// frames glued behind them in the same TCP write (issue 10 finding 4).

const fixture = new EmulatorFixture();
const channelSeeds: Buffer[] = [];
const httpSeeds: Buffer[] = [];
const KEY_NAME = 'RootManageSharedAccessKey';

const relayPort = () => Number(fixture.child.info.relay.port);
const key = () => fixture.child.info.relay.connectionString.match(/SharedAccessKey=([^;]+)/)![1]!;
const viaProxy = (proxyPort: number) => fixture.child.info.relay.connectionString.replace(/:\d+\//, `:${proxyPort}/`);

function collectSecrets(bytes: Buffer): void {
  for (const match of bytes.toString('latin1').matchAll(/SharedAccessSignature [\x21-\x7e]+/g)) fixture.secrets.add(match[0]);
  for (const match of bytes.toString('latin1').matchAll(/sb-hc-token=[\x21-\x7e]+/g)) fixture.secrets.add(decodeURIComponent(match[0].slice(12)));
}

async function token(path: string): Promise<string> {
  const value = await createSasToken({ resourceUri: `http://127.0.0.1/${path}`, keyName: KEY_NAME, key: key(), hmac: nodeHmac, ttlSeconds: 3600 });
  fixture.secrets.add(value);
  return value;
}

beforeAll(async () => {
  // Control channel + sender connect + a WebSocket exchange, through the proxy.
  const wsPath = 'fuzz-ws';
  channelSeeds.push(
    ...(
      await record(relayPort(), async (proxy) => {
        const listener = new HybridConnectionListener(viaProxy(proxy), { path: wsPath });
        await listener.open();
        listener.on('connection', ({ socket }) => (socket.onmessage = (event) => socket.send(event.data as string)));
        const sender = await new HybridConnectionClient(viaProxy(proxy), { path: wsPath }).createConnection({ query: { a: '1' } });
        await new Promise<void>((resolve) => {
          sender.onmessage = () => resolve();
          sender.send('recorded');
        });
        sender.close();
        await listener.close();
      })
    ).connections,
  );
  // HTTP front: GET and POST through the proxy to a listener that answers.
  const httpPath = 'fuzz-http';
  const answering = new HybridConnectionListener(fixture.child.info.relay.connectionString, { path: httpPath, requestHandler: async (request) => new Response(`seen ${request.method} ${(await request.arrayBuffer()).byteLength}`) });
  await answering.open();
  httpSeeds.push(
    ...(
      await record(relayPort(), async (proxy) => {
        const client = new HybridConnectionClient(viaProxy(proxy), { path: httpPath });
        await (await client.fetch('items?q=1')).text();
        await (await client.fetch('items', { method: 'POST', body: 'a body', headers: { 'content-type': 'text/plain' } })).text();
      })
    ).connections,
  );
  // Keep it open for the HTTP batch: mutated requests should reach a live listener.
  (globalThis as { relayAnswering?: HybridConnectionListener }).relayAnswering = answering;
  for (const seed of [...channelSeeds, ...httpSeeds]) collectSecrets(seed);
  if (channelSeeds.length < 2 || httpSeeds.length === 0) throw new Error(`recording failed: ${channelSeeds.length} channel, ${httpSeeds.length} http connections`);
}, 60_000);

describe('Relay ports under mutated traffic', () => {
  it('control channel (listen) and sender (connect) sessions: mutated', { timeout: 300_000 }, async () => {
    const count = scale(300, 5_000);
    await fixture.batch({
      target: 'fuzz: Relay control channel + sender connect',
      cases: count,
      attack: async () => void (await replayMutated({ port: relayPort(), seeds: channelSeeds, count, seed: 404 })),
      legit: (child) => relayWorks(child),
    });
  });

  it('HTTP front: mutated requests to an online listener', { timeout: 300_000 }, async () => {
    const count = scale(300, 5_000);
    await fixture.batch({
      target: 'fuzz: Relay HTTP front',
      cases: count,
      attack: async () => void (await replayMutated({ port: relayPort(), seeds: httpSeeds, count, seed: 505 })),
      legit: (child) => relayWorks(child),
    });
    await (globalThis as { relayAnswering?: HybridConnectionListener }).relayAnswering?.close();
  });

  it('rendezvous: accept handshakes with valid, mutated and broken frames glued behind them', { timeout: 300_000 }, async () => {
    const count = scale(40, 2_000);
    const path = 'fuzz-rendezvous';
    const salad = frameSalad();
    const edits = fc.sample(fc.tuple(fc.nat({ max: salad.length - 1 }), mutationsArb, fc.boolean()), { seed: 606, numRuns: count });
    await fixture.batch({
      target: 'fuzz: Relay rendezvous (accept)',
      cases: count,
      attack: async () => {
        const listener = new WebSocket(`ws://127.0.0.1:${relayPort()}/$hc/${path}?sb-hc-action=listen`, { headers: { ServiceBusAuthorization: await token(path) } });
        await new Promise((resolve, reject) => listener.once('open', resolve).once('error', reject));
        let handled = 0;
        const done = new Promise<void>((resolve) => {
          listener.on('message', (data) => {
            const accept = (JSON.parse(data.toString()) as { accept?: { address: string } }).accept;
            if (!accept) return;
            const index = handled++;
            const [which, mutations, mutateHandshake] = edits[index % edits.length]!;
            const address = new URL(accept.address);
            const handshake = upgradeRequest(`${address.pathname}${address.search}`);
            const glued = Buffer.concat([mutateHandshake ? Buffer.from(mutate(handshake, mutations)) : handshake, mutateHandshake ? salad[which]! : Buffer.from(mutate(salad[which]!, mutations))]);
            const socket = createConnection(Number(address.port), address.hostname, () => socket.write(glued));
            socket.on('error', () => {});
            setTimeout(() => socket.destroy(), 300);
            if (handled === count) setTimeout(resolve, 400);
          });
        });
        const senderToken = await token(path);
        for (let started = 0; started < count; started += 20) {
          const senders = Array.from({ length: Math.min(20, count - started) }, () => {
            const sender = new WebSocket(`ws://127.0.0.1:${relayPort()}/$hc/${path}?sb-hc-action=connect`, { headers: { ServiceBusAuthorization: senderToken } });
            sender.on('error', () => {});
            return new Promise<void>((resolve) => {
              sender.once('close', () => resolve());
              sender.once('unexpected-response', () => resolve());
              sender.once('open', () => setTimeout(() => sender.terminate(), 50));
              setTimeout(() => {
                sender.terminate();
                resolve();
              }, 600);
            });
          });
          await Promise.all(senders);
        }
        await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 3000))]);
        listener.terminate();
        if (handled < count) throw new Error(`only ${handled} of ${count} senders reached the listener as accept messages`);
      },
      legit: (child) => relayWorks(child),
    });
  });

  it('listener statuses that cannot be a final HTTP response (1xx, > 599) reach the sender as 502 (finding 13)', { timeout: 60_000 }, async () => {
    const path = 'fuzz-status';
    const statuses = [100, 101, 150, 199, 600, 999, 200];
    await fixture.batch({
      target: 'fuzz: Relay listener statuses',
      cases: statuses.length,
      attack: async () => {
        const listener = new WebSocket(`ws://127.0.0.1:${relayPort()}/$hc/${path}?sb-hc-action=listen`, { headers: { ServiceBusAuthorization: await token(path) } });
        await new Promise((resolve, reject) => listener.once('open', resolve).once('error', reject));
        let answer = 200;
        listener.on('message', (data, isBinary) => {
          if (isBinary) return;
          const request = (JSON.parse(data.toString()) as { request?: { id: string; method?: string } }).request;
          if (request?.method) listener.send(JSON.stringify({ response: { requestId: request.id, statusCode: answer, responseHeaders: {}, body: false } }));
        });
        const senderToken = await token(path);
        const seen: string[] = [];
        for (const status of statuses) {
          answer = status;
          const response = await fetch(`http://127.0.0.1:${relayPort()}/${path}/x`, { headers: { ServiceBusAuthorization: senderToken } });
          await response.arrayBuffer();
          const expected = status === 200 ? 200 : 502;
          if (response.status !== expected) seen.push(`listener ${status} → sender ${response.status} (expected ${expected})`);
        }
        listener.terminate();
        if (seen.length) throw new Error(seen.join('; '));
      },
      legit: (child) => relayWorks(child),
    });
  });
});
