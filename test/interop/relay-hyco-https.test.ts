import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../../src/emulator/defaults.js';
import { startRelayEmulator, type RunningRelayEmulator } from '../../src/emulator/relay/index.js';

// Interop: the official Node listener (hyco-https 1.4.5, its own ws 6) against the emulator,
// with Node's fetch and a raw `ws` client as senders. hyco-https's URI helpers hard-code
// wss://{ns}:443, so the listen URI is built by hand; it dials whatever it is given, so plain
// ws:// to the emulator's port works and rendezvous addresses come back as ws:// too.
// Its token comes from its own createRelayToken (sr = http://127.0.0.1:PORT/path, port ignored).
const require = createRequire(import.meta.url);
// hyco-https replaces https.Server on Node's shared https module; loading it in this test file only
// keeps that side effect inside this worker.
const hyco = require('hyco-https');
// hyco-https 1.4.5 bug: its accept path calls `Extensions.parse(...)`, but the require of
// `Extensions` is commented out (HybridConnectionHttpsServer.js lines 16 and 475), so every
// `accept` throws a ReferenceError out of the control channel's onmessage. Against the real
// service it fails the same way. The free name resolves through the global object, so we give it
// the extension parser of hyco-https's own ws 6; the rest of its accept code runs unchanged.
const hycoWsExtensions = require(require.resolve('ws/lib/extension.js', { paths: [require.resolve('hyco-https')] }));
(globalThis as Record<string, unknown>).Extensions ??= hycoWsExtensions;

const PATH = 'interop';
let emulator: RunningRelayEmulator;
let relayed: { close(cb?: () => void): void; on(event: string, fn: (...args: any[]) => void): void; listen(): void };
let senderToken: string;
const connections: WebSocket[] = [];
const logLines: string[] = [];

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

beforeAll(async () => {
  emulator = await startRelayEmulator({ port: 0, log: (line) => logLines.push(line) });
  const listenUri = `ws://127.0.0.1:${emulator.port}/$hc/${PATH}?sb-hc-action=listen`;
  const listenerToken = hyco.createRelayToken(`http://127.0.0.1:${emulator.port}/${PATH}`, EMULATOR_KEY_NAME, EMULATOR_SAS_KEY);
  senderToken = hyco.createRelayToken(`http://127.0.0.1:${emulator.port}/${PATH}`, EMULATOR_KEY_NAME, EMULATOR_SAS_KEY);

  relayed = hyco.createRelayedServer({ server: listenUri, token: listenerToken }, (req: any, res: any) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url.startsWith(`/${PATH}/echo`)) {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('X-Body-Sha256', sha256(body));
        res.end(body);
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('X-Handled-By', 'hyco-https');
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, length: body.length }));
    });
  });
  relayed.on('connection', (socket: any) => {
    connections.push(socket);
    socket.on('message', (data: string | Buffer) => socket.send(data));
  });
  await new Promise<void>((resolve, reject) => {
    relayed.on('listening', () => resolve());
    relayed.on('error', (error: Error) => reject(error));
    relayed.listen();
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => relayed.close(() => resolve()));
  await emulator.close();
});

const base = () => `http://127.0.0.1:${emulator.port}/${PATH}`;

describe('hyco-https listener, fetch sender', () => {
  it('GET with headers and a query reaches the handler; its answer comes back with Via', async () => {
    const response = await fetch(`${base()}/things?colour=blue&sb-hc-token=${encodeURIComponent(senderToken)}`, {
      headers: { 'X-Request-Id': 'req-1', Accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-handled-by')).toBe('hyco-https');
    expect(response.headers.get('via')).toMatch(/127\.0\.0\.1/);
    const seen = await response.json();
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe(`/${PATH}/things?colour=blue`);
    expect(seen.headers['x-request-id']).toBe('req-1');
    expect(seen.headers['servicebusauthorization']).toBeUndefined();
  });

  it('a 1 MB POST travels over rendezvous and its 1 MB echo comes back intact', async () => {
    const before = logLines.length;
    const payload = new Uint8Array(1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;
    const response = await fetch(`${base()}/echo`, { method: 'POST', body: payload, headers: { ServiceBusAuthorization: senderToken } });
    expect(response.status).toBe(200);
    const body = new Uint8Array(await response.arrayBuffer());
    expect(body.length).toBe(payload.length);
    expect(response.headers.get('x-body-sha256')).toBe(sha256(payload));
    expect(sha256(body)).toBe(sha256(payload));
    // The emulator announced it with a method-less `request` and delivered it on the rendezvous.
    expect(logLines.slice(before).some((line) => /\(1048576 bytes\) via rendezvous/.test(line))).toBe(true);
  });

  it('20 requests in parallel each get their own answer', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${base()}/parallel/${i}`, { method: 'POST', body: `item-${i}`, headers: { ServiceBusAuthorization: senderToken } }).then(async (r) => ({
          status: r.status,
          body: await r.json(),
        })),
      ),
    );
    responses.forEach((r, i) => {
      expect(r.status).toBe(200);
      expect(r.body.url).toBe(`/${PATH}/parallel/${i}`);
      expect(r.body.length).toBe(`item-${i}`.length);
    });
  });

  it('a sender without a token is refused by the emulator before hyco-https sees it', async () => {
    expect((await fetch(`${base()}/things`)).status).toBe(401);
  });
});

describe('hyco-https listener, raw ws sender (accept path)', () => {
  it('echoes text and binary frames through the rendezvous', async () => {
    const sender = new WebSocket(`ws://127.0.0.1:${emulator.port}/$hc/${PATH}?sb-hc-action=connect`, { headers: { ServiceBusAuthorization: senderToken } });
    const frames: Array<{ data: Buffer; isBinary: boolean }> = [];
    const two = new Promise<void>((resolve) =>
      sender.on('message', (data, isBinary) => {
        frames.push({ data: data as Buffer, isBinary });
        if (frames.length === 2) resolve();
      }),
    );
    await new Promise((resolve, reject) => {
      sender.on('open', resolve);
      sender.on('error', reject);
    });
    sender.send('hello hyco');
    sender.send(Buffer.from([1, 2, 3, 250]));
    await two;
    expect(frames[0]).toMatchObject({ isBinary: false });
    expect(frames[0]!.data.toString()).toBe('hello hyco');
    expect(frames[1]!.isBinary).toBe(true);
    expect([...frames[1]!.data]).toEqual([1, 2, 3, 250]);
    const closedCode = new Promise<number>((resolve) => connections.at(-1)!.on('close', (code: number) => resolve(code)));
    sender.close(1000, 'bye');
    expect(await closedCode).toBe(1000);
  });
});
