import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { RunningRelayEmulator } from '../../../src/emulator/relay/index.js';
import { framesOf, header, httpBase, open, rawListener, startEmulator, token } from './helpers.js';

// The HTTP front door (relay note §1.5) with a raw listener that answers by hand.
let emulator: RunningRelayEmulator;

// The default response deadline: a hand-written listener on a loaded machine answers late but
// answers. Only the 504 case gets a short deadline, on an emulator of its own.
beforeAll(async () => {
  emulator = await startEmulator({
    config: {
      namespaces: [
        {
          name: 'web',
          hybridConnections: [{ name: 'public', requiresClientAuthorization: false }, { name: 'nohttp', httpEnabled: false }],
        },
      ],
    },
  });
});
afterAll(() => emulator.close());

type Request = { id: string; address: string; requestTarget: string; method: string; requestHeaders: Record<string, string>; body: boolean };

function respond(socket: import('ws').WebSocket, requestId: string, status: number, body?: string, headers: Record<string, string> = {}) {
  socket.send(JSON.stringify({ response: { requestId, statusCode: status, statusDescription: 'Custom', responseHeaders: headers, body: body !== undefined } }));
  if (body !== undefined) socket.send(Buffer.from(body), { binary: true });
}

describe('requests on the control channel', () => {
  it('forwards method, target, headers and body; the answer carries Via', async () => {
    const listener = await rawListener(emulator, 'api');
    const t = await token({ path: 'api' });
    const pending = fetch(`${httpBase(emulator)}/api/items/7?x=1&sb-hc-token=${encodeURIComponent(t)}&y=2`, {
      method: 'PUT',
      headers: { 'X-Trace': 'abc', 'Content-Type': 'text/plain' },
      body: 'payload',
    });
    const { request } = (await listener.frames.nextJson()) as { request: Request };
    expect(request).toMatchObject({ method: 'PUT', requestTarget: '/api/items/7?x=1&y=2', body: true });
    expect(header(request.requestHeaders, 'x-trace')).toBe('abc');
    const lowerNames = Object.keys(request.requestHeaders).map((h) => h.toLowerCase());
    for (const hopByHop of ['host', 'connection', 'content-length']) expect(lowerNames).not.toContain(hopByHop);
    expect(request.address).toContain('sb-hc-action=request');
    const body = await listener.frames.next();
    expect(body.isBinary).toBe(true);
    expect(body.data.toString()).toBe('payload');
    respond(listener.socket, request.id, 201, 'made it', { 'X-Reply': 'yes', Via: '1.1 upstream' });
    const response = await pending;
    expect(response.status).toBe(201);
    expect(response.headers.get('x-reply')).toBe('yes');
    expect(response.headers.get('via')).toBe('1.1 upstream, 1.1 127.0.0.1');
    expect(await response.text()).toBe('made it');
    listener.socket.terminate();
  });

  it('strips ServiceBusAuthorization always, and Authorization only when it was the credential', async () => {
    const listener = await rawListener(emulator, 'auth-rules');
    const t = await token({ path: 'auth-rules' });
    const withBoth = fetch(`${httpBase(emulator)}/auth-rules`, { headers: { ServiceBusAuthorization: t, Authorization: 'Bearer app-token' } });
    const first = ((await listener.frames.nextJson()) as { request: Request }).request;
    const names = Object.keys(first.requestHeaders).map((h) => h.toLowerCase());
    expect(names).not.toContain('servicebusauthorization');
    expect(header(first.requestHeaders, 'authorization')).toBe('Bearer app-token');
    respond(listener.socket, first.id, 204);
    expect((await withBoth).status).toBe(204);

    const authorizationOnly = fetch(`${httpBase(emulator)}/auth-rules`, { headers: { Authorization: t } });
    const second = ((await listener.frames.nextJson()) as { request: Request }).request;
    expect(Object.keys(second.requestHeaders).map((h) => h.toLowerCase())).not.toContain('authorization');
    respond(listener.socket, second.id, 200, 'ok');
    expect((await authorizationOnly).status).toBe(200);
    listener.socket.terminate();
  });

  it('passes Authorization through untouched when the entity needs no client auth', async () => {
    const listener = await rawListener(emulator, 'public');
    const pending = fetch(`${httpBase(emulator)}/public/x`, { headers: { Authorization: 'Basic dXNlcjpwdw==' } });
    const { request } = (await listener.frames.nextJson()) as { request: Request };
    expect(header(request.requestHeaders, 'authorization')).toBe('Basic dXNlcjpwdw==');
    respond(listener.socket, request.id, 200, '');
    expect((await pending).status).toBe(200);
    listener.socket.terminate();
  });
});

describe('service answers', () => {
  it('401 without a token, 403 with the wrong claim, 404 when HTTP is off', async () => {
    expect((await fetch(`${httpBase(emulator)}/api`)).status).toBe(401);
    const expired = await token({ path: 'api', expiresAt: Math.floor(Date.now() / 1000) - 5 });
    expect((await fetch(`${httpBase(emulator)}/api`, { headers: { ServiceBusAuthorization: expired } })).status).toBe(401);
    const wrongEntity = await token({ path: 'other' });
    expect((await fetch(`${httpBase(emulator)}/api`, { headers: { ServiceBusAuthorization: wrongEntity } })).status).toBe(403);
    const nohttp = await token({ path: 'nohttp' });
    expect((await fetch(`${httpBase(emulator)}/nohttp`, { headers: { ServiceBusAuthorization: nohttp } })).status).toBe(404);
  });

  it('502 when no listener is connected; no Via on service answers', async () => {
    const response = await fetch(`${httpBase(emulator)}/empty`, { headers: { ServiceBusAuthorization: await token({ path: 'empty' }) } });
    expect(response.status).toBe(502);
    expect(response.headers.get('via')).toBeNull();
    expect(await response.text()).toMatch(/TrackingId:/);
  });

  it('504 when the listener does not answer in time; a late answer is ignored', async () => {
    const impatient = await startEmulator({ httpTimeoutMs: 400 });
    try {
      const listener = await rawListener(impatient, 'slow');
      const response = await fetch(`${httpBase(impatient)}/slow`, { headers: { ServiceBusAuthorization: await token({ path: 'slow' }) } });
      expect(response.status).toBe(504);
      const { request } = (await listener.frames.nextJson()) as { request: Request };
      respond(listener.socket, request.id, 200, 'too late');
      const pong = new Promise((resolve) => listener.socket.once('pong', resolve));
      listener.socket.ping();
      await pong;
      expect(impatient.listenerCount('slow')).toBe(1);
      listener.socket.terminate();
    } finally {
      await impatient.close();
    }
  });

  it('502 when the listener answers with a header HTTP cannot carry; the emulator lives on', async () => {
    const listener = await rawListener(emulator, 'bad-header');
    const pending = fetch(`${httpBase(emulator)}/bad-header`, { headers: { ServiceBusAuthorization: await token({ path: 'bad-header' }) } });
    const { request } = (await listener.frames.nextJson()) as { request: Request };
    respond(listener.socket, request.id, 200, 'x', { 'bad header\r\n': 'v' });
    expect((await pending).status).toBe(502);
    expect(emulator.listenerCount('bad-header')).toBe(1);
    listener.socket.terminate();
  });

  it('502 when the listener goes away before answering', async () => {
    const listener = await rawListener(emulator, 'vanishing');
    const pending = fetch(`${httpBase(emulator)}/vanishing`, { headers: { ServiceBusAuthorization: await token({ path: 'vanishing' }) } });
    await listener.frames.nextJson();
    listener.socket.terminate();
    expect((await pending).status).toBe(502);
  });
});

describe('rendezvous requests', () => {
  it('a body over 64 kB goes over sb-hc-action=request, and the answer comes back there', async () => {
    const listener = await rawListener(emulator, 'big');
    const payload = Buffer.alloc(200 * 1024, 7);
    const pending = fetch(`${httpBase(emulator)}/big/upload`, { method: 'POST', body: payload, headers: { ServiceBusAuthorization: await token({ path: 'big' }) } });
    const announce = (await listener.frames.nextJson()).request as Partial<Request>;
    expect(announce.method).toBeUndefined();
    expect(announce.address).toContain('sb-hc-action=request');
    const channel = await open(announce.address!);
    const frames = framesOf(channel);
    const { request } = (await frames.nextJson()) as { request: Request };
    expect(request).toMatchObject({ method: 'POST', requestTarget: '/big/upload', body: true });
    const body = await frames.next();
    expect(body.data.length).toBe(payload.length);
    respond(channel, request.id, 200, `got ${body.data.length}`);
    const response = await pending;
    expect(await response.text()).toBe(`got ${payload.length}`);
    // The address was single use.
    await expect(open(announce.address!)).rejects.toThrow(/403/);
    channel.terminate();
    listener.socket.terminate();
  });

  it('a large response may go over the request address even when the request came on the control channel', async () => {
    const listener = await rawListener(emulator, 'bigreply');
    const pending = fetch(`${httpBase(emulator)}/bigreply`, { headers: { ServiceBusAuthorization: await token({ path: 'bigreply' }) } });
    const { request } = (await listener.frames.nextJson()) as { request: Request };
    const channel = await open(request.address);
    respond(channel, request.id, 200, 'z'.repeat(300 * 1024));
    const response = await pending;
    expect((await response.text()).length).toBe(300 * 1024);
    listener.socket.terminate();
  });

  it('garbage on a request rendezvous closes it with 1008 and the sender gets 502', async () => {
    const listener = await rawListener(emulator, 'garbled');
    const pending = fetch(`${httpBase(emulator)}/garbled`, { method: 'POST', body: Buffer.alloc(100 * 1024), headers: { ServiceBusAuthorization: await token({ path: 'garbled' }) } });
    const announce = (await listener.frames.nextJson()).request as Partial<Request>;
    const channel = await open(announce.address!);
    await framesOf(channel).nextJson();
    const channelClosed = new Promise<number>((resolve) => channel.once('close', (code) => resolve(code)));
    channel.send('{"response": nonsense');
    expect(await channelClosed).toBe(1008);
    expect((await pending).status).toBe(502);
    expect(emulator.listenerCount('garbled')).toBe(1);
    listener.socket.terminate();
  });
});

describe('keep-alive sender connections', () => {
  /** A raw listener that answers every request, on the control channel or a rendezvous, with its own name. */
  async function answeringListener(path: string) {
    const listener = await rawListener(emulator, path);
    const channels: import('ws').WebSocket[] = [];
    const serve = (socket: import('ws').WebSocket, frames: ReturnType<typeof framesOf>) => {
      void (async () => {
        for (;;) {
          const { request } = (await frames.nextJson()) as { request: Partial<Request> };
          if (request.method === undefined) {
            // Too large for the control channel: the request comes over its rendezvous (note §1.5).
            const channel = await open(request.address!);
            channels.push(channel);
            serve(channel, framesOf(channel));
            continue;
          }
          if (request.body) await frames.next();
          respond(socket, request.id!, 200, `${path} answered ${request.requestTarget}`);
        }
      })().catch(() => {});
    };
    serve(listener.socket, listener.frames);
    return { close: () => [listener.socket, ...channels].forEach((socket) => socket.terminate()) };
  }

  it('a rendezvous bound to the connection carries only its own entity; other entities reach their own listeners', async () => {
    const first = await answeringListener('alpha');
    const second = await answeringListener('beta');
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const tokens = { alpha: await token({ path: 'alpha' }), beta: await token({ path: 'beta' }) };
    const localPorts = new Set<number>();
    const send = (path: 'alpha' | 'beta', body: Buffer) =>
      new Promise<string>((resolve, reject) => {
        const req = httpRequest(`${httpBase(emulator)}/${path}/n`, { method: 'POST', agent, headers: { ServiceBusAuthorization: tokens[path] } }, (res) => {
          localPorts.add(res.socket.localPort!);
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks).toString()));
        });
        req.on('error', reject);
        req.end(body);
      });
    try {
      // Large requests travel over a rendezvous that is then bound to this keep-alive connection:
      // first alpha's, later beta's too. The requests alternate between the two entities.
      const large = Buffer.alloc(100 * 1024, 1);
      const small = Buffer.from('small');
      const plan = [['alpha', large], ['beta', small], ['alpha', small], ['beta', large], ['alpha', small], ['beta', small]] as const;
      const answers: string[] = [];
      for (const [path, body] of plan) answers.push(await send(path, body));
      expect(localPorts.size).toBe(1);
      expect(answers).toEqual(plan.map(([path]) => `${path} answered /${path}/n`));
    } finally {
      agent.destroy();
      first.close();
      second.close();
    }
  });
});
