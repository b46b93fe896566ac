import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventHubProducerClient } from '@azure/event-hubs';
import { createSasToken } from '../../../src/core/sas.js';
import { EMULATOR_KEY_NAME, EMULATOR_SAS_KEY, EMULATOR_WEBPUBSUB_ACCESS_KEY } from '../../../src/emulator/defaults.js';
import { PAGE_SCRIPT } from '../../../src/emulator/dashboard/page.js';
import { CSRF_HEADER } from '../../../src/emulator/dashboard/security.js';
import { startEmulator, type StartedEmulator } from '../../../src/emulator/start.js';
import type { RunningWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { nodeHmac } from '../../../src/node/hmac.js';
import { WebPubSubServiceClient } from '../../../src/node/index.js';
import { open } from '../relay/helpers.js';
import { clientUrl, connectRaw, isAck, RELIABLE_PROTOCOL, type RawClient } from '../webpubsub/helpers.js';
import { LOADED_MACHINE } from '../../shared/until.js';

// The dashboard's HTTP side against a real emulator: who may load it and act through it, what its
// live stream pushes, and that no key, signature or token used by the traffic ever shows up in it.

let emulator: StartedEmulator;
let base: string;

beforeAll(async () => {
  emulator = await startEmulator({
    relay: { port: 0, httpTimeoutMs: 5000 },
    webpubsub: { port: 0 },
    eventhubs: { port: 0 },
    dashboard: { port: 0, maxViewers: 3, intervalMs: 50 },
  });
  base = emulator.dashboard!.url.replace(/\/$/, '');
});
afterAll(() => emulator.close());

/** A raw HTTP request, so the Host, Origin and Sec-Fetch-* headers are exactly the test's. */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function pageToken(): Promise<string> {
  const html = await (await fetch(`${base}/`)).text();
  return /name="dashboard-token" content="([^"]+)"/.exec(html)![1]!;
}

/** Reads the live stream until `enough` says so; returns everything read. */
async function readStream(enough: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const response = await fetch(`${base}/events`, { signal: controller.signal });
  const reader = response.body!.getReader();
  let text = '';
  try {
    while (!enough(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return text;
}

describe('who may use the dashboard', () => {
  it('serves the page with its token, a strict CSP and a script that parses', async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(await pageToken()).toMatch(/^[\w-]{43}$/);
    expect(() => new Function(PAGE_SCRIPT)).not.toThrow();
    expect((await fetch(`${base}/dashboard.js`)).headers.get('content-type')).toMatch(/javascript/);
  });

  it('answers only to an address, localhost or its bound host (no DNS rebinding)', async () => {
    const port = emulator.dashboard!.port;
    expect((await raw('GET', '/', { host: `attacker.example:${port}` })).status).toBe(421);
    expect((await raw('GET', '/events', { host: `rebind.attacker.example:${port}` })).status).toBe(421);
    expect((await raw('GET', '/snapshot', { host: `localhost:${port}` })).status).toBe(200);
    expect((await raw('GET', '/snapshot', { host: `[::1]:${port}` })).status).toBe(200);
  });

  it('acts only on a same-origin JSON POST carrying the page token', async () => {
    const token = await pageToken();
    const host = new URL(base).host;
    const body = JSON.stringify({ hub: 'eh1', body: 'csrf check' });
    const post = (headers: Record<string, string>, data = body) => raw('POST', '/actions/eventhubs/send', { host, 'content-type': 'application/json', ...headers }, data);
    expect((await post({})).status).toBe(403);
    expect((await post({ [CSRF_HEADER]: 'not-the-token' })).status).toBe(403);
    expect((await post({ [CSRF_HEADER]: token, origin: 'http://attacker.example' })).status).toBe(403);
    expect((await post({ [CSRF_HEADER]: token, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post({ [CSRF_HEADER]: token, 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post({ [CSRF_HEADER]: token }, 'x'.repeat(200 * 1024))).status).toBe(413);
    expect((await post({ [CSRF_HEADER]: token }, '[1]')).status).toBe(400);
    expect((await post({ [CSRF_HEADER]: token }, JSON.stringify({ hub: 'eh1', partitionId: '99' }))).status).toBe(400);
    const ok = await post({ [CSRF_HEADER]: token, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toMatchObject({ ok: true, sequenceNumber: 0 });
  });

  it('refuses a viewer past maxViewers with 503', async () => {
    const controllers = Array.from({ length: 3 }, () => new AbortController());
    try {
      const open = await Promise.all(controllers.map((c) => fetch(`${base}/events`, { signal: c.signal })));
      expect(open.map((r) => r.status)).toEqual([200, 200, 200]);
      await vi.waitFor(() => expect(emulator.dashboard!.viewerCount()).toBe(3), LOADED_MACHINE);
      const refused = await fetch(`${base}/events`);
      expect(refused.status).toBe(503);
      await refused.text();
    } finally {
      for (const c of controllers) c.abort();
    }
    await vi.waitFor(() => expect(emulator.dashboard!.viewerCount()).toBe(0), LOADED_MACHINE);
  });
});

describe('what the dashboard shows', () => {
  it('pushes a new picture when a listener comes online', async () => {
    const relay = emulator.services.relay!;
    const token = await createSasToken({ resourceUri: `http://127.0.0.1/pushed`, keyName: EMULATOR_KEY_NAME, key: EMULATOR_SAS_KEY, hmac: nodeHmac, ttlSeconds: 600 });
    let socket: Awaited<ReturnType<typeof open>> | undefined;
    const stream = readStream((text) => {
      if (!socket && text.includes('event: snapshot')) {
        void open(`ws://127.0.0.1:${relay.port}/$hc/pushed?sb-hc-action=listen`, { headers: { ServiceBusAuthorization: token } }).then((s) => (socket = s));
      }
      return text.includes('"name":"pushed"') && text.includes('"listenerCount":1');
    });
    const text = await stream;
    expect(text).toContain('"name":"pushed"');
    socket?.terminate();
  });

  it('shows no key, signature or token used by traffic on all three services', async () => {
    const secrets: string[] = [EMULATOR_SAS_KEY, EMULATOR_WEBPUBSUB_ACCESS_KEY];
    // A token, as sent and URL-encoded, and its signature in every spelling: raw, decoded, and each
    // run of 10+ letters and digits in it (which survives any further encoding).
    const remember = (token: string) => {
      secrets.push(token, encodeURIComponent(token));
      const signatures = [...token.matchAll(/sig=([^&]+)/g)].map((m) => decodeURIComponent(m[1]!));
      if (token.split('.').length === 3) signatures.push(token.split('.')[2]!); // a JWT's signature
      for (const signature of signatures) secrets.push(signature, encodeURIComponent(signature), ...(signature.match(/[A-Za-z0-9]{10,}/g) ?? []));
    };
    // Relay: a listener (token in a header), a request in flight with a token in its query, a refused one.
    const relay = emulator.services.relay!;
    const relayToken = await createSasToken({ resourceUri: `http://127.0.0.1/secret-hc`, keyName: EMULATOR_KEY_NAME, key: EMULATOR_SAS_KEY, hmac: nodeHmac, ttlSeconds: 600 });
    remember(relayToken);
    const listener = await open(`ws://127.0.0.1:${relay.port}/$hc/secret-hc?sb-hc-action=listen`, { headers: { ServiceBusAuthorization: relayToken } });
    const inFlight = new AbortController();
    const pending = fetch(`http://127.0.0.1:${relay.port}/secret-hc/x?sb-hc-token=${encodeURIComponent(relayToken)}`, { signal: inFlight.signal }).catch(() => undefined);
    await fetch(`http://127.0.0.1:${relay.port}/secret-hc/y?sb-hc-token=${encodeURIComponent(relayToken)}x`).then((r) => r.text());
    // Web PubSub: a reliable client (access token in its URL, a reconnection token back), a REST send signed with a JWT.
    const wps = emulator.services.webpubsub as RunningWebPubSubEmulator;
    const url = await clientUrl(wps, 'secrets', { userId: 'carol', roles: ['webpubsub.joinLeaveGroup'] });
    remember(new URL(url).searchParams.get('access_token')!);
    const client: RawClient = await connectRaw(url, RELIABLE_PROTOCOL);
    const connected = await client.next((m) => m.event === 'connected');
    secrets.push(String(connected.reconnectionToken));
    client.send({ type: 'joinGroup', group: 'vault', ackId: 1 });
    await client.next(isAck(1));
    await new WebPubSubServiceClient(wps.connectionString, 'secrets').sendToAll('hello carol');
    // Event Hubs: the official producer with a SAS token of its own.
    const eh = emulator.services.eventhubs!;
    const ehToken = await createSasToken({ resourceUri: `sb://127.0.0.1:${eh.port}/eh1`, keyName: EMULATOR_KEY_NAME, key: EMULATOR_SAS_KEY, hmac: nodeHmac, ttlSeconds: 600 });
    remember(ehToken);
    const producer = new EventHubProducerClient(`Endpoint=sb://127.0.0.1:${eh.port};SharedAccessSignature=${ehToken};UseDevelopmentEmulator=true`, 'eh1');
    await producer.sendBatch([{ body: 'not a secret' }]);
    await producer.close();

    await vi.waitFor(async () => {
      const picture = await (await fetch(`${base}/snapshot`)).text();
      expect(picture).toContain('"httpInFlight":1');
      expect(picture).toContain('"userId":"carol"');
    }, LOADED_MACHINE);
    const seen = [
      await (await fetch(`${base}/`)).text(),
      await (await fetch(`${base}/dashboard.js`)).text(),
      await (await fetch(`${base}/dashboard.css`)).text(),
      await (await fetch(`${base}/snapshot`)).text(),
      await readStream((text) => text.includes('"httpInFlight":1') && text.includes('carol')),
      (await raw('POST', '/actions/webpubsub/send', { host: new URL(base).host, 'content-type': 'application/json', [CSRF_HEADER]: await pageToken() }, JSON.stringify({ hub: 'secrets', target: 'group', name: 'vault', data: 'hi' }))).text,
    ].join('\n');
    expect(seen).toContain('secret-hc');
    expect(seen).toContain('vault');
    expect(secrets.length).toBeGreaterThan(8);
    for (const secret of secrets) expect(seen.includes(secret), `found a secret: ${secret.slice(0, 12)}…`).toBe(false);

    inFlight.abort();
    await pending;
    listener.terminate();
    client.ws.terminate();
  });
});

describe('where the dashboard binds', () => {
  it('on the emulator host unless told otherwise', async () => {
    const other = await startEmulator({ relay: { port: 0, host: '127.0.0.2' }, dashboard: true });
    try {
      expect(other.dashboard!.host).toBe('127.0.0.2');
      expect(other.dashboard!.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+\/$/);
      expect((await fetch(`${other.dashboard!.url}snapshot`)).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});
