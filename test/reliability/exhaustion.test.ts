import { EventHubProducerClient } from '@azure/event-hubs';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { request as httpRequest } from 'node:http';
import { createConnection, type Socket } from 'node:net';
import rhea from 'rhea';
import WebSocket from 'ws';
import { describe, it } from 'vitest';
import { createSasToken } from '../../src/core/sas.js';
import { nodeHmac } from '../../src/node/hmac.js';
import { HybridConnectionClient, HybridConnectionListener } from '../../src/node/relay.js';
import type { EmulatorChild } from './harness/child.js';
import { scale } from './harness/budget.js';
import { EmulatorFixture } from './harness/fixture.js';
import { everyServiceWorks, relayWorks, webPubSubWorks } from './harness/legit.js';
import { frame } from './harness/amqp-bytes.js';
import { upgradeRequest } from './harness/raw-ws.js';

// Exhaustion: slow and stalled peers, crowds of clients and oversize bodies. After each: the
// process is alive, its RSS under the bound, and a fresh client of every service still works.
// Limits are set low here (where the emulator makes them configurable) so the short form
// reaches them in seconds; the long form uses the same limits with larger crowds.

const HANDSHAKE_DEADLINE_MS = 2000;
const WPS_OUTBOUND_LIMIT = 4 * 1024 * 1024;
const fixture = new EmulatorFixture({
  relay: { httpBodyLimitBytes: 8 * 1024 * 1024, httpBodyBudgetBytes: 32 * 1024 * 1024, httpTimeoutMs: 3000, handshakeTimeoutMs: HANDSHAKE_DEADLINE_MS },
  webpubsub: { limits: { maxOutboundBufferBytes: WPS_OUTBOUND_LIMIT, handshakeTimeoutMs: HANDSHAKE_DEADLINE_MS } },
  eventhubs: { limits: { handshakeTimeoutMs: HANDSHAKE_DEADLINE_MS } },
});
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ehPort = () => Number(fixture.child.info.eventhubs.connectionString.match(/:(\d+)/)![1]);
const wpsPort = () => Number(new URL(fixture.child.info.webpubsub.endpoint as string).port);

/** Opens a socket, writes `bytes` and keeps it open; `closed` is set when the server hangs up. */
function holdOpen(port: number, bytes: Buffer): { socket: Socket; closed: () => boolean } {
  let closed = false;
  const socket = createConnection(port, '127.0.0.1', () => socket.write(bytes));
  socket.on('error', () => {});
  socket.on('data', () => {});
  socket.on('close', () => (closed = true));
  return { socket, closed: () => closed };
}

const AMQP = Buffer.from('AMQP\x00\x01\x00\x00', 'latin1');
const SASL = Buffer.from('AMQP\x03\x01\x00\x00', 'latin1');
// open (0x10) with container-id "slowloris", and nothing after it: no token ever comes.
const OPEN = frame(Buffer.concat([Buffer.from([0x00, 0x53, 0x10, 0xc0, 0x0c, 0x01, 0xa1, 0x09]), Buffer.from('slowloris')]));
const PARTIAL_HTTP = [
  Buffer.from('GET /client/hubs/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n'),
  Buffer.from('GET /$hc/x?sb-hc-action=listen HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'),
  Buffer.from('G'),
];
/** Headers complete, body stalled: past the handshake, so not held to its deadline (reported, not asserted). */
const SLOW_BODY = Buffer.from('POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\nonly a little');
const PARTIAL_AMQP = [AMQP.subarray(0, 4), AMQP, SASL, Buffer.concat([AMQP, OPEN]), upgradeRequest('/$servicebus/websocket', { 'Sec-WebSocket-Protocol': 'AMQPWSB10' }).subarray(0, 60)];

describe('exhaustion', () => {
  it('slowloris on every port: fresh clients still served; half-finished handshakes dropped at the deadline', { timeout: 300_000 }, async () => {
    const perPort = scale(60, 1_500);
    const info = fixture.child.info;
    const ports: Array<[string, number, Buffer[], number | undefined]> = [
      ['eventhubs', ehPort(), PARTIAL_AMQP, HANDSHAKE_DEADLINE_MS],
      ['relay', Number(info.relay.port), PARTIAL_HTTP, HANDSHAKE_DEADLINE_MS],
      ['relay rendezvous', Number(info.relay.rendezvousPort), PARTIAL_HTTP, HANDSHAKE_DEADLINE_MS],
      ['webpubsub', wpsPort(), PARTIAL_HTTP, HANDSHAKE_DEADLINE_MS],
    ];
    const held: Array<{ port: string; deadline?: number; closed: () => boolean; socket: Socket }> = [];
    const slowBodies: Array<{ port: string; closed: () => boolean; socket: Socket }> = [];
    await fixture.batch({
      target: 'exhaustion: slowloris (every port)',
      cases: perPort * ports.length,
      attack: async () => {
        // Opened 200 at a time, each batch connected before the next: a burst of thousands of SYNs
        // would overflow the listen backlog and measure the kernel, not the emulator.
        for (const [name, port, partials, deadline] of ports) {
          for (let i = 0; i < perPort; i += 200) {
            const batch = Array.from({ length: Math.min(200, perPort - i) }, (_, j) => ({ port: name, ...(deadline ? { deadline } : {}), ...holdOpen(port, partials[(i + j) % partials.length]!) }));
            held.push(...batch);
            await Promise.all(batch.map((h) => new Promise((resolve) => (h.socket.connecting ? h.socket.once('connect', resolve).once('close', resolve) : resolve(undefined)))));
          }
          if (partials === PARTIAL_HTTP) for (let i = 0; i < perPort / 4; i++) slowBodies.push({ port: name, ...holdOpen(port, SLOW_BODY) });
        }
        const allHeld = Date.now();
        await settle(200);
        // Served while the slow sockets are held.
        await everyServiceWorks(fixture.child, fixture.secrets);
        // The deadline runs from each accept; allow 1.5 s past it, then up to 5 s more for a busy loop.
        await settle(Math.max(0, allHeld + HANDSHAKE_DEADLINE_MS + 1500 - Date.now()));
        const graceEnd = Date.now() + 5000;
        while (held.some((h) => !h.closed()) && Date.now() < graceEnd) await settle(100);
        const summary = ports.map(([name, , , deadline]) => {
          const mine = held.filter((h) => h.port === name);
          return { name, deadline, open: mine.filter((h) => !h.closed()).length };
        });
        const slowOpen = slowBodies.filter((h) => !h.closed()).length;
        for (const h of [...held, ...slowBodies]) h.socket.destroy();
        const stillOpen = summary.filter((s) => s.open > 0);
        const note = `${summary.map((s) => `${s.name}: ${s.open}/${perPort} still open`).join(', ')}; stalled request bodies (no deadline asserted): ${slowOpen}/${slowBodies.length} still open`;
        if (stillOpen.length) throw new Error(`half-finished handshakes outlived the deadline: ${note}`);
        return { note };
      },
      legit: (child) => everyServiceWorks(child, fixture.secrets),
    });
  });

  it('a crowd of Web PubSub clients: all connected, all receive one broadcast', { timeout: 600_000 }, async () => {
    const count = scale(500, 10_000);
    const service = new WebPubSubServiceClient(fixture.child.info.webpubsub.connectionString, 'crowd', { allowInsecureConnection: true });
    const { url, token } = await service.getClientAccessToken({ userId: 'crowd' });
    fixture.secrets.add(token);
    const clients: Array<{ ws: WebSocket; got: boolean }> = [];
    await fixture.batch({
      target: `exhaustion: ${count} Web PubSub clients`,
      cases: count,
      attack: async () => {
        try {
          await connectCrowd();
        } finally {
          for (const client of clients) client.ws.terminate();
        }
        const lost = clients.filter((c) => !c.got).length;
        return { lost };
      },
      legit: (child) => everyServiceWorks(child, fixture.secrets),
    });

    async function connectCrowd(): Promise<void> {
        for (let started = 0; started < count; started += 200) {
          await Promise.all(
            Array.from({ length: Math.min(200, count - started) }, () => {
              const client = { ws: new WebSocket(url, ['json.webpubsub.azure.v1']), got: false };
              clients.push(client);
              return new Promise<void>((resolve, reject) => {
                client.ws.on('message', (data) => {
                  const message = data.toString();
                  if (message.includes('"connected"')) resolve();
                  if (message.includes('crowd-broadcast')) client.got = true;
                });
                client.ws.once('error', reject);
              });
            }),
          );
        }
        await service.sendToAll('crowd-broadcast', { contentType: 'text/plain' });
        const deadline = Date.now() + 20_000;
        while (clients.some((c) => !c.got) && Date.now() < deadline) await settle(100);
        // A fresh client while the crowd is still connected.
        await webPubSubWorks(fixture.child, fixture.secrets);
    }
  });

  it('a crowd of Relay senders on one listener: every echo comes back', { timeout: 600_000 }, async () => {
    const count = scale(50, 1_000);
    const cs = fixture.child.info.relay.connectionString;
    const path = 'crowd';
    await fixture.batch({
      target: `exhaustion: ${count} Relay senders`,
      cases: count,
      attack: async () => {
        const listener = new HybridConnectionListener(cs, { path });
        await listener.open();
        listener.on('connection', ({ socket }) => (socket.onmessage = (event) => socket.send(event.data as string)));
        const client = new HybridConnectionClient(cs, { path });
        let echoed = 0;
        const senders: Array<{ close(): void }> = [];
        let next = 0;
        try {
          await Promise.all(
            Array.from({ length: 50 }, async () => {
              while (next < count) {
                next++;
                const sender = await client.createConnection();
                senders.push(sender);
                await new Promise<void>((resolve) => {
                  const timer = setTimeout(resolve, 10_000);
                  sender.onmessage = () => {
                    echoed++;
                    clearTimeout(timer);
                    resolve();
                  };
                  sender.send('hello');
                });
              }
            }),
          );
          // A fresh sender while the crowd is still connected.
          await relayWorks(fixture.child);
        } finally {
          for (const sender of senders) sender.close();
          await listener.close();
        }
        return { lost: count - echoed };
      },
      legit: (child) => everyServiceWorks(child, fixture.secrets),
    });
  });

  it('a Web PubSub client that stops reading is closed once its outbound buffer is full', { timeout: 300_000 }, async () => {
    const service = new WebPubSubServiceClient(fixture.child.info.webpubsub.connectionString, 'stalled', { allowInsecureConnection: true });
    const { url, token } = await service.getClientAccessToken({ userId: 'stalled' });
    fixture.secrets.add(token);
    const megabyte = Buffer.alloc(1024 * 1024, 0x61).toString();
    const messages = scale(3, 20) * (WPS_OUTBOUND_LIMIT / (1024 * 1024));
    await fixture.batch({
      target: 'exhaustion: stalled Web PubSub reader',
      cases: messages,
      attack: async () => {
        const ws = new WebSocket(url, ['json.webpubsub.azure.v1']);
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
        let closeCode: number | undefined;
        ws.on('close', (code) => (closeCode = code));
        try {
          (ws as unknown as { _socket: Socket })._socket.pause();
          for (let i = 0; i < messages; i++) await service.sendToAll(megabyte, { contentType: 'text/plain' });
          await settle(500);
          (ws as unknown as { _socket: Socket })._socket.resume();
          const deadline = Date.now() + 10_000;
          while (closeCode === undefined && Date.now() < deadline) await settle(50);
        } finally {
          ws.terminate();
        }
        // 1008 when the close frame gets through; 1006 when the emulator has to drop the connection
        // because the client never reads far enough to see it (the long form queues 80 MB).
        if (closeCode !== 1008 && closeCode !== 1006) throw new Error(`expected the stalled client to be closed (1008, or 1006 when dropped), got ${closeCode ?? 'no close'}`);
        return { note: `stalled client closed with ${closeCode}` };
      },
      legit: (child) => webPubSubWorks(child, fixture.secrets),
    });
  });

  it('oversize bodies: Relay HTTP 413, Web PubSub REST 413, Event Hubs message-size-exceeded, multi-frame $cbs flood cut', { timeout: 300_000 }, async () => {
    await fixture.batch({
      target: 'exhaustion: oversize bodies',
      cases: 4,
      attack: async (child) => {
        const refusals: string[] = [];
        // Relay: 9 MB to a listener, past the 8 MiB httpBodyLimitBytes.
        const listener = new HybridConnectionListener(child.info.relay.connectionString, { path: 'big', requestHandler: async () => new Response('took it') });
        await listener.open();
        const relayStatus = await rawPost(Number(child.info.relay.port), '/big/up', 9 * 1024 * 1024, { ServiceBusAuthorization: await relayToken(child, 'big') });
        await listener.close();
        if (relayStatus !== 413) refusals.push(`relay ${relayStatus} (expected 413)`);
        // Web PubSub REST: 2 MB, past the 1 MiB body limit.
        const service = new WebPubSubServiceClient(child.info.webpubsub.connectionString, 'big', { allowInsecureConnection: true });
        const wpsStatus = await service.sendToAll('x'.repeat(2 * 1024 * 1024), { contentType: 'text/plain' }).then(() => 200, (error: { statusCode?: number }) => error.statusCode ?? 0);
        if (wpsStatus !== 413) refusals.push(`webpubsub ${wpsStatus} (expected 413)`);
        // Event Hubs: a 2 MB event through the SDK.
        const producer = new EventHubProducerClient(child.info.eventhubs.connectionString, 'eh1', { retryOptions: { maxRetries: 0, timeoutInMs: 20_000 } });
        const ehError = await producer.sendBatch([{ body: Buffer.alloc(2 * 1024 * 1024) }]).then(() => 'accepted', (error: { code?: string }) => error.code ?? 'error');
        await producer.close();
        if (ehError !== 'MessageTooLargeError') refusals.push(`eventhubs ${ehError} (expected MessageTooLargeError)`);
        // Event Hubs: a multi-frame transfer on $cbs, before any token (finding 5).
        const floodMb = scale(24, 256);
        const cbs = await cbsFlood(ehPort(), floodMb);
        if (cbs !== 'amqp:link:message-size-exceeded') refusals.push(`$cbs flood of ${floodMb} MB: ${cbs} (expected amqp:link:message-size-exceeded)`);
        if (refusals.length) throw new Error(refusals.join('; '));
      },
      legit: (child) => everyServiceWorks(child, fixture.secrets),
    });
  });
  it('Event Hubs receivers that never read a large partition share it (RSS grows by far less than one copy each)', { timeout: 600_000 }, async () => {
    const megabytes = scale(24, 88);
    const readers = 5;
    await fixture.batch({
      target: `exhaustion: ${readers} stalled Event Hubs readers of a ${megabytes} MB partition`,
      cases: readers,
      attack: async (child) => {
        const producer = new EventHubProducerClient(child.info.eventhubs.connectionString, 'eh1', { retryOptions: { maxRetries: 1, timeoutInMs: 30_000 } });
        const event = { body: Buffer.alloc(100 * 1024, 0x62) };
        for (let sent = 0; sent < megabytes * 10; sent += 9) await producer.sendBatch(Array.from({ length: 9 }, () => event), { partitionId: '3' });
        await producer.close();
        const before = child.rssMb();
        const key = child.info.eventhubs.connectionString.match(/SharedAccessKey=([^;]+)/)![1]!;
        const connections = Array.from({ length: readers }, () => {
          const connection = rhea.create_container().connect({ host: '127.0.0.1', port: ehPort(), username: 'RootManageSharedAccessKey', password: key, reconnect: false } as never);
          connection.on('error', () => {});
          const receiver = connection.open_receiver({
            source: { address: 'eh1/ConsumerGroups/$Default/Partitions/3', filter: { 'apache.org:selector-filter:string': (rhea as unknown as { filter: { selector(text: string): unknown } }).filter.selector("amqp.annotation.x-opt-offset > '-1'") } },
            credit_window: 0,
            autoaccept: false,
          } as never);
          receiver.on('receiver_open', () => {
            receiver.add_credit(100_000);
            // Stop reading: whatever the emulator sends now piles up on its side.
            (connection as unknown as { socket?: Socket }).socket?.pause();
          });
          return connection;
        });
        await settle(4000);
        const growth = child.rssMb() - before;
        for (const connection of connections) (connection as unknown as { socket?: Socket }).socket?.destroy();
        // One copy per reader (the finding: 184 → 603 MB for 5 × 88 MB) is readers × megabytes; shared
        // data plus a bounded outbound buffer per connection stays far below half of that.
        if (growth > (readers * megabytes) / 2) throw new Error(`RSS grew by ${growth.toFixed(0)} MB for ${readers} stalled readers of ${megabytes} MB`);
        return { note: `RSS +${growth.toFixed(0)} MB with ${readers} stalled readers` };
      },
      legit: (child) => everyServiceWorks(child, fixture.secrets),
    });
  });

  it('Relay holds HTTP bodies within one global budget: past it, 503 unread', { timeout: 300_000 }, async () => {
    const posts = 8;
    const size = 7 * 1024 * 1024;
    await fixture.batch({
      target: `exhaustion: ${posts} concurrent 7 MB Relay POSTs to a listener that never answers (32 MiB budget)`,
      cases: posts,
      attack: async (child) => {
        const listener = new HybridConnectionListener(child.info.relay.connectionString, { path: 'budget', requestHandler: () => new Promise<Response>(() => {}) });
        await listener.open();
        const token = await relayToken(child, 'budget');
        const statuses = await Promise.all(Array.from({ length: posts }, () => rawPost(Number(child.info.relay.port), '/budget/up', size, { ServiceBusAuthorization: token })));
        await listener.close();
        const refused = statuses.filter((status) => status === 503).length;
        if (refused === 0) throw new Error(`expected some 503 past the body budget, got ${statuses.join(', ')}`);
        return { note: `statuses ${statuses.join(', ')}` };
      },
      legit: (child) => everyServiceWorks(child, fixture.secrets),
    });
  });
  it('unauthenticated Web PubSub handshakes to new hub names allocate no hub (finding 9)', { timeout: 300_000 }, async () => {
    const count = scale(1_000, 20_000);
    await fixture.batch({
      target: `exhaustion: ${count} unauthenticated handshakes to new Web PubSub hubs`,
      cases: count,
      attack: async (child) => {
        const before = (await child.stats()).webpubsub?.hubs as number;
        let next = 0;
        const statuses = new Map<string, number>();
        await Promise.all(
          Array.from({ length: 32 }, async () => {
            while (next < count) {
              const hub = `drive_by_${next++}`;
              const status = await new Promise<string>((resolve) => {
                const ws = new WebSocket(`ws://127.0.0.1:${wpsPort()}/client/hubs/${hub}`, ['json.webpubsub.azure.v1']);
                ws.once('unexpected-response', (_req, res) => {
                  res.resume();
                  resolve(String(res.statusCode));
                });
                ws.once('open', () => resolve('opened'));
                ws.once('error', () => resolve('error'));
              });
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
            }
          }),
        );
        const after = (await child.stats()).webpubsub?.hubs as number;
        const summary = [...statuses].map(([status, n]) => `${n} × ${status}`).join(', ');
        if (typeof before !== 'number') throw new Error('the Web PubSub emulator has no stats().hubs');
        if (after > before) throw new Error(`hubs held in memory grew from ${before} to ${after} (${summary})`);
        if (statuses.get('opened')) return { letIn: statuses.get('opened')!, note: summary };
        return { note: `${summary}; hubs held ${before} → ${after}` };
      },
      legit: (child) => webPubSubWorks(child, fixture.secrets),
    });
  });
});

async function relayToken(child: EmulatorChild, path: string): Promise<string> {
  const key = child.info.relay.connectionString.match(/SharedAccessKey=([^;]+)/)![1]!;
  const token = await createSasToken({ resourceUri: `http://127.0.0.1/${path}`, keyName: 'RootManageSharedAccessKey', key, hmac: nodeHmac, ttlSeconds: 600 });
  fixture.secrets.add(token);
  return token;
}

/**
 * A POST declaring `size` bytes with node:http, which reports an early answer that fetch hides.
 * It sends a first 64 kB and gives the server a second to refuse on the declared length before
 * sending the rest: a server that closes on unread bytes makes the kernel reset the connection,
 * and the reset can discard the 413 before the client reads it.
 */
function rawPost(port: number, path: string, size: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    let answered = false;
    const request = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-length': String(size), 'content-type': 'application/octet-stream' } });
    request.on('response', (response) => {
      answered = true;
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', () => resolve(0));
    const chunk = Buffer.alloc(64 * 1024);
    let written = 0;
    const pump = () => {
      while (written < size && !answered) {
        const piece = chunk.subarray(0, Math.min(chunk.length, size - written));
        written += piece.length;
        if (!request.write(piece)) return void request.once('drain', pump);
      }
      if (!answered) request.end();
    };
    request.write(chunk);
    written = chunk.length;
    setTimeout(pump, 1000);
  });
}

/** Sends one `megabytes`-long message to $cbs (rhea splits it into frames with more=true); resolves with the refusal. */
function cbsFlood(port: number, megabytes: number): Promise<string> {
  return new Promise((resolve) => {
    const connection = rhea.create_container().connect({ host: '127.0.0.1', port, reconnect: false, max_frame_size: 65536 } as never);
    const sender = connection.open_sender({ target: { address: '$cbs' } });
    let sent = false;
    const finish = (outcome: string) => {
      clearTimeout(timer);
      connection.close();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish('no refusal within 30 s'), 30_000);
    sender.on('sendable', () => {
      if (sent) return;
      sent = true;
      sender.send({ body: Buffer.alloc(megabytes * 1024 * 1024) });
    });
    sender.on('sender_error', (context: { sender: { error?: { condition?: string } } }) => finish(context.sender.error?.condition ?? 'sender_error'));
    sender.on('rejected', (context: { delivery: { remote_state?: { error?: { condition?: string } } } }) => finish(context.delivery.remote_state?.error?.condition ?? 'rejected'));
    connection.on('connection_error', (context: { connection: { error?: { condition?: string } } }) => finish(context.connection.error?.condition ?? 'connection_error'));
    connection.on('error', () => {});
    connection.on('disconnected', () => finish('disconnected'));
  });
}
