import { EventHubProducerClient } from '@azure/event-hubs';
import rhea from 'rhea';
import WebSocket from 'ws';
import { beforeAll, describe, it } from 'vitest';
import { createSasToken } from '../../src/core/sas.js';
import { nodeHmac } from '../../src/node/hmac.js';
import { scale } from './harness/budget.js';
import { EmulatorFixture } from './harness/fixture.js';
import { eventHubsWorks, everyServiceWorks } from './harness/legit.js';
import { upgradeRequest, wsFrame } from './harness/raw-ws.js';
import { record, replayMutated } from './harness/wire.js';

// Network fuzz of the Event Hubs port: a recorded @azure/event-hubs session (SASL, open, $cbs
// put-token, attach, transfer, management) over AMQP/TCP and over AMQP/WebSocket, replayed with
// byte edits; plus the HTTP upgrade forms that killed the process (issue 10 finding 1).

const fixture = new EmulatorFixture();
const tcpSeeds: Buffer[] = [];
const wsSeeds: Buffer[] = [];

class PlainWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[], options?: WebSocket.ClientOptions) {
    super(String(url).replace(/^wss:/, 'ws:'), protocols, options);
  }
}

async function produceThrough(proxyPort: number, webSocket: boolean): Promise<void> {
  const connectionString = fixture.child.info.eventhubs.connectionString.replace(/:\d+/, `:${proxyPort}`);
  const producer = new EventHubProducerClient(connectionString, 'eh1', { retryOptions: { maxRetries: 0, timeoutInMs: 10_000 }, ...(webSocket ? { webSocketOptions: { webSocket: PlainWebSocket } } : {}) });
  try {
    await producer.getEventHubProperties();
    await producer.sendBatch([{ body: 'recorded', properties: { kind: 'seed' } }, { body: { nested: [1, 2] } }], { partitionKey: 'k' });
    await producer.getPartitionProperties('1');
  } finally {
    await producer.close();
  }
}

/** The tokens a recorded stream carried (SAS in the put-token message), for the secrets check. */
function collectSecrets(bytes: Buffer): void {
  for (const match of bytes.toString('latin1').matchAll(/SharedAccessSignature [\x21-\x7e]+/g)) fixture.secrets.add(match[0]);
}

beforeAll(async () => {
  const port = fixture.child.info.eventhubs.connectionString.match(/:(\d+)/)![1]!;
  tcpSeeds.push(...(await record(Number(port), (proxy) => produceThrough(proxy, false))).connections);
  wsSeeds.push(...(await record(Number(port), (proxy) => produceThrough(proxy, true))).connections);
  for (const seed of [...tcpSeeds, ...wsSeeds]) collectSecrets(seed);
  // The same sessions without their SASL part (AMQP header first): replayed in one write, the
  // frames behind a SASL exchange never reach the AMQP decoder (bytes pipelined before the
  // sasl-outcome are ignored), so these seeds are the ones that fuzz it.
  const amqpHeader = Buffer.from('AMQP\x00\x01\x00\x00', 'latin1');
  for (const seed of [...tcpSeeds]) {
    const at = seed.indexOf(amqpHeader);
    if (at <= 0) continue;
    tcpSeeds.push(seed.subarray(at));
    // The same over WebSocket: one upgrade and the session in one masked binary message.
    wsSeeds.push(Buffer.concat([upgradeRequest('/$servicebus/websocket', { 'Sec-WebSocket-Protocol': 'AMQPWSB10' }), wsFrame(2, seed.subarray(at))]));
  }
  if (tcpSeeds.length === 0 || wsSeeds.length === 0) throw new Error('recording the valid exchange failed');
  // Upgrade requests whose target `new URL()` rejects or whose escapes are malformed (finding 1).
  for (const target of ['//', '/%', '/$servicebus/websocket%zz', 'http://[::1', '*']) {
    wsSeeds.push(Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: AMQPWSB10\r\n\r\n`));
  }
}, 60_000);

const port = () => Number(fixture.child.info.eventhubs.connectionString.match(/:(\d+)/)![1]);

describe('Event Hubs port under mutated traffic', () => {
  it('AMQP over TCP: mutated recorded sessions', { timeout: 300_000 }, async () => {
    const count = scale(300, 5_000);
    await fixture.batch({
      target: 'fuzz: Event Hubs AMQP/TCP',
      cases: count,
      attack: async () => void (await replayMutated({ port: port(), seeds: tcpSeeds, count, seed: 101 })),
      legit: (child) => eventHubsWorks(child),
    });
  });

  it('AMQP over WebSocket and odd upgrade requests: mutated', { timeout: 300_000 }, async () => {
    const count = scale(300, 5_000);
    await fixture.batch({
      target: 'fuzz: Event Hubs AMQP/WebSocket + upgrade',
      cases: count,
      attack: async () => void (await replayMutated({ port: port(), seeds: wsSeeds, count, seed: 202 })),
      legit: (child) => everyServiceWorks(child, fixture.secrets),
    });
  });

  it('malformed put-token messages carrying a real token, as a flood: never printed, printing bounded (findings 12)', { timeout: 120_000 }, async () => {
    const count = scale(300, 5_000);
    const key = fixture.child.info.eventhubs.connectionString.match(/SharedAccessKey=([^;]+)/)![1]!;
    const token = await createSasToken({ resourceUri: `sb://127.0.0.1:${port()}/eh1`, keyName: 'RootManageSharedAccessKey', key, hmac: nodeHmac, ttlSeconds: 600 });
    fixture.secrets.add(token);
    const linesBefore = fixture.child.lines.length;
    await fixture.batch({
      target: 'fuzz: Event Hubs malformed put-token flood',
      cases: count,
      attack: async () => {
        const text = Buffer.from(token);
        const str32 = Buffer.concat([Buffer.from([0xb1, 0, 0, 0, 0]), text]);
        str32.writeUInt32BE(text.length, 1);
        // Payloads rhea cannot read as a message, each holding the token: an undescribed string
        // (rhea: "expected described message section got …"), a data section with an undescribed
        // tail, application properties that are not a map.
        const payloads = [
          str32,
          Buffer.concat([Buffer.from([0x00, 0x53, 0x75, 0xa0, 1, 0x41]), str32]),
          Buffer.concat([Buffer.from([0x00, 0x53, 0x74]), str32]),
        ];
        await new Promise<void>((resolve) => {
          const connection = rhea.create_container().connect({ host: '127.0.0.1', port: port(), reconnect: false } as never);
          connection.on('error', () => {});
          connection.on('disconnected', () => resolve());
          const sender = connection.open_sender({ target: { address: '$cbs' } });
          let sent = 0;
          sender.on('sendable', () => {
            while (sender.sendable() && sent < count) sender.send(payloads[sent++ % payloads.length] as never, undefined, 0);
            if (sent >= count) setTimeout(() => connection.close(), 300);
          });
          connection.on('connection_close', () => resolve());
          setTimeout(resolve, 20_000);
        });
        await new Promise((resolve) => setTimeout(resolve, 1200));
        const printed = fixture.child.lines.length - linesBefore;
        // At most ~20 lines a second of third-party output, plus our own per-connection lines.
        if (printed > 200) throw new Error(`${count} malformed messages made the emulator print ${printed} lines`);
        return { note: `${printed} lines printed` };
      },
      legit: (child) => eventHubsWorks(child),
    });
  });
});
