import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySasToken } from '../../../src/node/index.js';
import { eventHubsProfilesPlugin } from '../../../demo/eventhubs-profiles.js';

// The demo's Event Hubs connection settings (demo/eventhubs-profiles.ts) in a bare HTTP server:
// the page picks a profile and hub, the key stays on the server, tokens are for the chosen hub.

const KEY = 'c2VjcmV0LWtleS1mb3ItdGhlLWRlbW8tcHJvZmlsZXMtdGVzdA==';
let server: Server;
let base: string;

beforeAll(async () => {
  process.env.DEMO_EVENTHUBS_AZURE = `Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=send-listen;SharedAccessKey=${KEY};EntityPath=orders`;
  const plugin = eventHubsProfilesPlugin();
  delete process.env.DEMO_EVENTHUBS_AZURE;
  let middleware!: (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  (plugin.configureServer as (server: unknown) => void)({ middlewares: { use: (fn: typeof middleware) => (middleware = fn) } });
  server = createServer((req, res) => middleware(req, res, () => res.writeHead(299).end('next')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const put = (body: unknown, type = 'application/json') => fetch(`${base}/api/eventhubs-settings`, { method: 'PUT', headers: { 'content-type': type }, body: JSON.stringify(body) });

describe('demo Event Hubs profiles', () => {
  it('starts on the emulator and leaves its token endpoint to azureRealtime', async () => {
    const settings = await (await fetch(`${base}/api/eventhubs-settings`)).json();
    expect(settings).toEqual({ profiles: [{ id: 'emulator', label: 'local emulator' }, { id: 'azure', label: 'Azure: contoso.servicebus.windows.net' }], active: { profile: 'emulator', namespace: null, hub: null } });
    expect((await fetch(`${base}/api/eventhubs-token`)).status).toBe(299);
  });

  it('switches to Azure with an edited hub and signs tokens for it with the server-side key', async () => {
    expect((await put({ profile: 'azure', hub: 'orders' }, 'text/plain')).status).toBe(415);
    expect((await put({ profile: 'azure', hub: 'no/slashes' })).status).toBe(400);
    expect((await put({ profile: 'elsewhere' })).status).toBe(400);
    const answer = await put({ profile: 'azure', hub: 'payments' });
    const text = await answer.text();
    expect(JSON.parse(text).active).toEqual({ profile: 'azure', namespace: 'contoso.servicebus.windows.net', hub: 'payments' });
    expect(text).not.toContain(KEY);
    const { token } = (await (await fetch(`${base}/api/eventhubs-token`)).json()) as { token: string };
    const verified = await verifySasToken(token, { getKey: (name) => (name === 'send-listen' ? KEY : undefined), audience: 'sb://contoso.servicebus.windows.net/payments' });
    expect(verified.resourceUri).toBe('sb://contoso.servicebus.windows.net/payments');
    expect((await put({ profile: 'emulator' })).status).toBe(200);
    expect((await fetch(`${base}/api/eventhubs-token`)).status).toBe(299);
  });
});
