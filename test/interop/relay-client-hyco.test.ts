import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSasTokenProvider, parseRelayConnectionString } from '../../src/core/index.js';
import { HybridConnectionClient, HybridConnectionListener } from '../../src/node/relay.js';

// Interop through the emulator with Microsoft's Node package on the other end (hyco-https 1.4.5):
//  1. our HybridConnectionClient.fetch → a hyco-https listener (its node-http request API);
//  2. a hyco-https-built token (createRelayToken) and URI (createRelayHttpsUri) → our listener
//     serving a WHATWG handler; our listener also authenticates with a hyco-https-built token.
// hyco-https URIs hard-code https://{ns}; the emulator here is plain http, so only the scheme is swapped.
const require = createRequire(import.meta.url);
const hyco = require('hyco-https');

const connectionString = inject('emulator').relay!.connectionString;
const parsed = parseRelayConnectionString(connectionString);
const hostPort = `${parsed.host}:${parsed.port}`;
const HYCO_PATH = `hyco-listener-${Date.now().toString(36)}`;
const OUR_PATH = `our-listener-${Date.now().toString(36)}`;
const hycoToken = (path: string) => hyco.createRelayToken(`http://${hostPort}/${path}`, parsed.sharedAccessKeyName, parsed.sharedAccessKey);

// hyco-https users send with node's http(s).request (Node 20's global agent keeps connections
// alive, so requests for both paths share connections, including ones a rendezvous is bound to).
function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: Uint8Array; agent?: HttpAgent } = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; json: () => unknown }>((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers, ...(init.agent ? { agent: init.agent } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: () => JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

let hycoServer: { close(cb?: (error?: Error) => void): void; on(event: string, fn: (...args: any[]) => void): void; listen(): void };
let ourListener: HybridConnectionListener;
const seenByOurs: Array<{ method: string; url: string; auth: string | null; length: number }> = [];

beforeAll(async () => {
  hycoServer = hyco.createRelayedServer(
    { server: `ws://${hostPort}/$hc/${HYCO_PATH}?sb-hc-action=listen`, token: hycoToken(HYCO_PATH) },
    (req: any, res: any) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('X-Handled-By', 'hyco-https');
        res.end(JSON.stringify({ method: req.method, url: req.url, trace: req.headers['x-trace'] ?? null, length: body.length, last: body.at(-1) ?? null }));
      });
    },
  );
  const online = new Promise<void>((resolve) => hycoServer.on('listening', () => resolve()));
  hycoServer.listen();
  await online;

  ourListener = new HybridConnectionListener(
    { namespace: hostPort, path: OUR_PATH, useDevelopmentEmulator: true, tokenProvider: createSasTokenProvider({ sharedAccessSignature: hycoToken(OUR_PATH) }) },
    {
      requestHandler: async (request) => {
        const body = new Uint8Array(await request.arrayBuffer());
        seenByOurs.push({ method: request.method, url: request.url, auth: request.headers.get('servicebusauthorization'), length: body.length });
        return Response.json({ path: new URL(request.url).pathname, length: body.length }, { status: 202, headers: { 'x-handled-by': 'azure-realtime' } });
      },
    },
  );
  await ourListener.open();
});

afterAll(async () => {
  await ourListener?.close();
  await new Promise<void>((resolve) => (hycoServer ? hycoServer.close(() => resolve()) : resolve()));
});

describe('our client → hyco-https listener', () => {
  it('GET with app path, query and a header reaches hyco-https as a node request', async () => {
    const client = new HybridConnectionClient(connectionString, { path: HYCO_PATH });
    const response = await client.fetch('orders/7?expand=lines', { headers: { 'x-trace': 'abc' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-handled-by')).toBe('hyco-https');
    expect(response.headers.get('via')).toMatch(/127\.0\.0\.1/);
    expect(await response.json()).toEqual({ method: 'GET', url: `/${HYCO_PATH}/orders/7?expand=lines`, trace: 'abc', length: 0, last: null });
  });

  it('a 300 kB POST (rendezvous request) arrives whole', async () => {
    const client = new HybridConnectionClient(connectionString, { path: HYCO_PATH });
    const body = new Uint8Array(300_000).fill(9);
    body[body.length - 1] = 42;
    const response = await client.fetch('upload', { method: 'POST', body });
    expect(await response.json()).toMatchObject({ method: 'POST', length: 300_000, last: 42 });
  });
});

describe('hyco-https token and URI → our listener', () => {
  it('createRelayHttpsUri with sb-hc-token: our WHATWG handler answers, the token never reaches it', async () => {
    const uri = hyco.createRelayHttpsUri(hostPort, `${OUR_PATH}/status`, hycoToken(OUR_PATH)).replace(/^https:/, 'http:');
    const response = await send(uri);
    expect(response.status).toBe(202);
    expect(response.headers['x-handled-by']).toBe('azure-realtime');
    expect(response.json()).toEqual({ path: `/${OUR_PATH}/status`, length: 0 });
    expect(seenByOurs.at(-1)!.url).not.toContain('sb-hc-token');
  });

  it('createRelayToken in the ServiceBusAuthorization header with a 100 kB body (rendezvous)', async () => {
    const response = await send(`http://${hostPort}/${OUR_PATH}/bulk`, {
      method: 'PUT',
      headers: { ServiceBusAuthorization: hycoToken(OUR_PATH) },
      body: new Uint8Array(100_000),
    });
    expect(response.status).toBe(202);
    expect(response.json()).toEqual({ path: `/${OUR_PATH}/bulk`, length: 100_000 });
    expect(seenByOurs.at(-1)).toMatchObject({ method: 'PUT', auth: null, length: 100_000 });
  });

  it('a hyco-https token for another path is refused before reaching our listener', async () => {
    const before = seenByOurs.length;
    const response = await send(`http://${hostPort}/${OUR_PATH}`, { headers: { ServiceBusAuthorization: hycoToken('someone-else') } });
    expect(response.status).toBe(403);
    expect(seenByOurs.length).toBe(before);
  });
});

describe('one keep-alive connection, both listeners', () => {
  it('requests alternate between hyco-https and our listener; rendezvous bound to the connection do not cross paths', async () => {
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const big = new Uint8Array(100_000);
    const plan = [
      { path: OUR_PATH, body: big, by: 'azure-realtime' },
      { path: HYCO_PATH, body: undefined, by: 'hyco-https' },
      { path: HYCO_PATH, body: big, by: 'hyco-https' },
      { path: OUR_PATH, body: undefined, by: 'azure-realtime' },
      { path: HYCO_PATH, body: undefined, by: 'hyco-https' },
    ];
    try {
      const handledBy: unknown[] = [];
      for (const step of plan) {
        const response = await send(`http://${hostPort}/${step.path}/mixed`, {
          method: step.body ? 'POST' : 'GET',
          headers: { ServiceBusAuthorization: hycoToken(step.path) },
          ...(step.body ? { body: step.body } : {}),
          agent,
        });
        handledBy.push(response.headers['x-handled-by']);
      }
      expect(handledBy).toEqual(plan.map((step) => step.by));
    } finally {
      agent.destroy();
    }
  });
});
