import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../../src/core/jwt.js';
import { startDashboard } from '../../../src/emulator/dashboard/server.js';
import { startEventHubsEmulator } from '../../../src/emulator/eventhubs/server.js';
import { listen } from '../../../src/emulator/host/listen.js';
import { readBody } from '../../../src/node/http-body.js';
import { resolveTlsMaterial } from '../../../src/emulator/tls.js';
import { startWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { nodeHmac } from '../../../src/node/hmac.js';
import { startEmulator as startRelay } from '../relay/helpers.js';

// Every partial state of an HTTP request has a deadline (src/emulator/host/stalled-bodies.ts): a
// body that makes no progress for bodyIdleTimeoutMs is answered 408 (when nobody answered yet) and
// its connection closed, whether a route reads it or not; the headers of a later request on a
// kept-alive connection are held to the handshake deadline (Node's headersTimeout, set explicitly).
// Before, such a request stayed open for as long as Node's own 5-minute requestTimeout allowed.

const IDLE_MS = 300;
const closers: Array<() => Promise<unknown>> = [];
afterAll(() => Promise.all(closers.map((close) => close())));

/** Writes `bytes`, then nothing more; resolves with all the server said once it closed the connection. */
function stall(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

const post = (path: string, headers: Record<string, string> = {}, declared = 10_000) =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${declared}\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\nonly a little`;

/** A raw route makes the port sniff: its HTTP runs on a replay stream, where Node's keep-alive timeout does not reach. */
const RAW_ROUTE = { raw: [{ name: 'other', matches: (prefix: Buffer) => prefix[0] === 0, serve: (stream: Duplex) => stream.destroy() }] };

describe('the host (listen), on a sniffing port', () => {
  let port: number;
  beforeAll(async () => {
    const listening = await listen({
      service: 'test',
      handshakeTimeoutMs: 1000,
      bodyIdleTimeoutMs: IDLE_MS,
      routes: {
        ...RAW_ROUTE,
        request: async (req, res) => {
          if (req.url === '/answer-unread') return void res.end('answered without reading the body');
          if (req.url === '/read') {
            // A route reading without an idle time of its own: the host's deadline still holds it.
            const body = await readBody(req, { maxBytes: 1 << 20 });
            return void res.end(`read ${body.bytes.length}`);
          }
          res.end('ok');
        },
      },
    });
    port = listening.port;
    closers.push(() => listening.close());
  });

  it('a body stalled behind an answer given without reading it: the connection is closed', async () => {
    const answer = await stall(port, post('/answer-unread'));
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('answered without reading the body');
  });

  it('a body stalled while a route waits for it: answered 408, then closed', async () => {
    const answer = await stall(port, post('/read'));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toMatch(/connection: close/i);
  });

  it('the half-sent headers of a second request on a kept-alive connection are held to the handshake deadline', async () => {
    const answer = await stall(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe.concurrent('a body that keeps coming', () => {
  // Progress is the wire's bytes: a sniffing port's HTTP runs on a replay stream (and maybe TLS)
  // that counts none of its own, so the watch reads the admitted TCP socket under it.
  const DRIP_IDLE_MS = 1000;
  it.each(['plain HTTP', 'a sniffing port', 'TLS on a sniffing port'] as const)('over %s, slower than the idle time in total, is read whole', async (kind) => {
    const tls = kind === 'TLS on a sniffing port' ? await resolveTlsMaterial(true) : undefined;
    const listening = await listen({
      service: 'test',
      bodyIdleTimeoutMs: DRIP_IDLE_MS,
      ...(tls ? { tls } : {}),
      routes: {
        request: async (req, res) => {
          const body = await readBody(req, { maxBytes: 1000 });
          res.end(`read ${body.bytes.length}`);
        },
        ...(kind === 'plain HTTP' ? {} : RAW_ROUTE),
      },
    });
    closers.push(() => listening.close());
    const total = 15;
    const answer = await new Promise<string>((resolve, reject) => {
      const head = `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\nConnection: close\r\n\r\n`;
      const socket: Socket = tls ? tlsConnect({ port: listening.port, host: '127.0.0.1', rejectUnauthorized: false }, () => socket.write(head)) : connect(listening.port, '127.0.0.1', () => socket.write(head));
      let sent = 0;
      // One byte every tenth of the idle time: the whole body takes 1.5 idle times, no gap comes near one.
      const drip = setInterval(() => {
        socket.write('x');
        if (++sent === total) clearInterval(drip);
      }, DRIP_IDLE_MS / 10);
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('close', () => {
        clearInterval(drip);
        resolve(text);
      });
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain(`read ${total}`);
  });
});

describe('each service', () => {
  it('Relay, main port and rendezvous port: a stalled body behind a refusal is closed', async () => {
    const relay = await startRelay({ bodyIdleTimeoutMs: IDLE_MS });
    closers.push(() => relay.close());
    const [main, rendezvous] = await Promise.all([stall(relay.port, post('/nobody-here')), stall(relay.rendezvousPort, post('/x'))]);
    expect(main).toMatch(/^HTTP\/1\.1 401 /); // no token: refused before its body is read
    expect(rendezvous).toMatch(/^HTTP\/1\.1 404 /);
  });

  it('Web PubSub: a REST body that stalls gets 408 RequestTimeout and the connection is closed; one behind a 404 is closed', async () => {
    const wps = await startWebPubSubEmulator({ port: 0, limits: { bodyIdleTimeoutMs: IDLE_MS } });
    closers.push(() => wps.close());
    const path = '/api/hubs/h/:send?api-version=2024-12-01';
    const jwt = await signJwt({ aud: `${wps.endpoint}${path}`, exp: Math.floor(Date.now() / 1000) + 600 }, wps.accessKey, { hmac: nodeHmac });
    const [rest, unknown] = await Promise.all([
      stall(wps.port, post(path, { Authorization: `Bearer ${jwt}`, 'Content-Type': 'text/plain' })),
      stall(wps.port, post('/nowhere')),
    ]);
    expect(rest).toMatch(/^HTTP\/1\.1 408 /);
    expect(rest).toMatch(/x-ms-error-code: RequestTimeout/i); // the service's shape, not the host's backstop
    expect(rest).toMatch(/connection: close/i);
    expect(unknown).toMatch(/^HTTP\/1\.1 404 /);
  });

  it('the dashboard: a form body that stalls gets 408; one behind a refusal is closed', async () => {
    const dashboard = await startDashboard({}, { port: 0, bodyIdleTimeoutMs: IDLE_MS });
    closers.push(() => dashboard.close());
    const html = await (await fetch(dashboard.url)).text();
    const token = /name="dashboard-token" content="([^"]+)"/.exec(html)![1]!;
    const [stalled, refused] = await Promise.all([
      stall(dashboard.port, post('/actions/nothing', { 'Content-Type': 'application/json', 'x-dashboard-token': token })),
      stall(dashboard.port, post('/actions/nothing', { 'Content-Type': 'application/json' })),
    ]);
    expect(stalled).toMatch(/^HTTP\/1\.1 408 /);
    expect(stalled).toContain('{"error":"the request body stalled'); // the dashboard's own answer, not the host's backstop
    expect(refused).toMatch(/^HTTP\/1\.1 403 /);
  });

  it('Event Hubs (HTTP on its sniffing port): a stalled body is answered and closed', async () => {
    const eventHubs = await startEventHubsEmulator({ limits: { bodyIdleTimeoutMs: IDLE_MS } });
    closers.push(() => eventHubs.close());
    expect(await stall(eventHubs.port, post('/x'))).toMatch(/^HTTP\/1\.1 \d{3} /);
  });
});
