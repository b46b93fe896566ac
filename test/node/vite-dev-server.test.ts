import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ViteDevServer } from 'vite';
import { EMULATOR_SAS_KEY } from '../../src/emulator/index.js';
import { parseSasToken } from '../../src/core/sas.js';
import { azureRealtime } from '../../src/vite/plugin.js';

// azureRealtime({ emulator }) inside a real Vite dev server: the endpoints a page uses (no key in
// any answer, tokens signed for what they should be), a service left out answers 404, other paths
// fall through to the app, and the emulators close with the server.

let server: ViteDevServer;
let base: string;

beforeAll(async () => {
  server = await createServer({
    root: new URL('../fixtures/vite-app/', import.meta.url).pathname,
    configFile: false,
    logLevel: 'silent',
    server: { host: '127.0.0.1', port: 0 },
    optimizeDeps: { noDiscovery: true, include: [] },
    plugins: [azureRealtime({ emulator: { relay: true, webpubsub: false, eventhubs: true, ports: 'free' } })],
  });
  await server.listen();
  base = server.resolvedUrls!.local[0]!.replace(/\/$/, '');
});

afterAll(async () => {
  await server?.close();
});

const get = async (path: string) => {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
};

describe('the dev endpoints', () => {
  it('answers /api/config with addresses and nothing secret', async () => {
    const { status, body } = await get('/api/config');
    expect(status).toBe(200);
    const config = JSON.parse(body);
    expect(config).toEqual({
      webpubsub: null,
      relay: { namespace: expect.stringMatching(/^127\.0\.0\.1:\d+$/), useDevelopmentEmulator: true },
      eventhubs: { namespace: expect.stringMatching(/^127\.0\.0\.1:\d+$/), hub: 'eh1', useDevelopmentEmulator: true },
    });
    expect(body).not.toContain(EMULATOR_SAS_KEY);
  });

  it('mints an Event Hubs SAS for the hub with the page policy, not the namespace key', async () => {
    const { namespace } = JSON.parse((await get('/api/config')).body).eventhubs;
    const { status, body } = await get('/api/eventhubs-token');
    expect(status).toBe(200);
    const { token, expiresAt } = JSON.parse(body);
    const parsed = parseSasToken(token);
    expect(parsed.keyName).toBe('dev-page');
    expect(parsed.resourceUri).toBe(`sb://${namespace}/eh1`);
    expect(expiresAt - Date.now() / 1000).toBeGreaterThan(3000);
  });

  it('mints a Relay SAS for one entity and refuses a path that is not an entity name', async () => {
    const ok = await get('/api/relay-token?path=orders');
    expect(ok.status).toBe(200);
    // Relay audiences carry no port (createRelayAudience).
    expect(parseSasToken(JSON.parse(ok.body).token).resourceUri).toBe(`http://127.0.0.1/orders`);
    expect((await get('/api/relay-token?path=a/b')).status).toBe(400);
    expect((await get('/api/relay-token')).status).toBe(400);
  });

  it('answers 404 with the reason for a service left out, and lets other /api paths through to the app', async () => {
    const negotiate = await get('/api/negotiate?user=alice');
    expect(negotiate.status).toBe(404);
    expect(JSON.parse(negotiate.body).error).toMatch(/webpubsub: false/);
    const other = await get('/api/something-of-the-app');
    expect(other.type).not.toMatch(/application\/json/); // Vite's own answer (index.html), not ours
  });
});

const reachable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

describe('the dev server lifecycle', () => {
  it('gives a restarted server new emulators, closing the old ones, and closes those with the server', async () => {
    const own = await createServer({
      root: new URL('../fixtures/vite-app/', import.meta.url).pathname,
      configFile: false,
      logLevel: 'silent',
      server: { host: '127.0.0.1', port: 0 },
      optimizeDeps: { noDiscovery: true, include: [] },
      plugins: [azureRealtime({ emulator: { relay: false, webpubsub: false, ports: 'free' } })],
    });
    await own.listen();
    const eventHubsPort = async () => Number((await (await fetch(`${own.resolvedUrls!.local[0]}api/config`)).json()).eventhubs.namespace.split(':')[1]);
    const before = await eventHubsPort();
    await own.restart(); // what Vite does after an edit of vite.config.ts; inline plugins are the same objects
    const after = await eventHubsPort();
    expect(after).not.toBe(before);
    expect([await reachable(before), await reachable(after)]).toEqual([false, true]);
    await own.close();
    expect(await reachable(after)).toBe(false);
  });

  it('answers 503 and leaves no emulator open when setting up the endpoints fails after the start', async () => {
    const listening = () => (process as unknown as { _getActiveHandles(): Array<{ address?: () => unknown; listening?: boolean }> })._getActiveHandles().filter((h) => h.listening && h.address?.()).length;
    const own = await createServer({
      root: new URL('../fixtures/vite-app/', import.meta.url).pathname,
      configFile: false,
      logLevel: 'silent',
      server: { host: '127.0.0.1', port: 0 },
      optimizeDeps: { noDiscovery: true, include: [] },
      // The Web PubSub service client refuses this hub name; the emulator itself started before that.
      plugins: [azureRealtime({ emulator: { relay: false, eventhubs: false, dashboard: false, ports: 'free', webPubSubHub: 'no spaces allowed' } })],
    });
    const before = listening(); // the file's other servers
    await own.listen();
    const response = await fetch(`${own.resolvedUrls!.local[0]}api/config`);
    expect(response.status).toBe(503);
    expect((await response.json()).error).toMatch(/the emulators did not start: expected hub/);
    expect(listening()).toBe(before + 1); // the dev server's own listener only
    await own.close();
  });

  it('closes the emulators with the server', async () => {
    const own = await createServer({
      root: new URL('../fixtures/vite-app/', import.meta.url).pathname,
      configFile: false,
      logLevel: 'silent',
      server: { host: '127.0.0.1', port: 0 },
      optimizeDeps: { noDiscovery: true, include: [] },
      plugins: [azureRealtime({ emulator: { relay: false, webpubsub: false, ports: 'free' } })],
    });
    await own.listen();
    const config = await (await fetch(`${own.resolvedUrls!.local[0]}api/config`)).json();
    const port = Number(config.eventhubs.namespace.split(':')[1]);
    expect(await reachable(port)).toBe(true);
    await own.close();
    expect(await reachable(port)).toBe(false);
  });
});
