import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningRelayEmulator } from '../../../src/emulator/relay/index.js';
import { closed, failedStatus, framesOf, handshake, open, rawListener, startEmulator, token, wsBase, type FrameQueue } from './helpers.js';

// The WebSocket relay path (relay note §1.3–1.4): accept, reject, rendezvous lifetime, bridging
// and close codes, with raw `ws` sockets on both ends.
let emulator: RunningRelayEmulator;
/** A 300 ms rendezvous lifetime, for the cases that wait for it to pass; the others accept on
 * `emulator` (default lifetime), however long a loaded machine takes to open the address. */
let hasty: RunningRelayEmulator;

beforeAll(async () => {
  [emulator, hasty] = await Promise.all([startEmulator(), startEmulator({ rendezvousTimeoutMs: 300 })]);
});
afterAll(() => Promise.all([emulator.close(), hasty.close()]));

async function connectUrl(path: string, query = '', on = emulator): Promise<string> {
  return `${wsBase(on)}/$hc/${path}?${query}sb-hc-action=connect&sb-hc-token=${encodeURIComponent(await token({ path }))}`;
}

/** Starts a sender connect and returns the pending handshake plus the accept frame the listener saw. */
async function connectAndAccept(path: string, frames: FrameQueue, options: { query?: string; headers?: Record<string, string>; protocols?: string[]; on?: RunningRelayEmulator } = {}) {
  const pending = handshake(await connectUrl(path, options.query ?? '', options.on), { headers: options.headers ?? {}, ...(options.protocols ? { protocols: options.protocols } : {}) });
  const message = await frames.nextJson();
  return { pending, accept: message.accept as { address: string; id: string; connectHeaders: Record<string, string> } };
}

describe('accept', () => {
  it('bridges text and binary frames both ways and keeps their type', async () => {
    const listener = await rawListener(emulator, 'echo');
    const { pending, accept } = await connectAndAccept('echo', listener.frames);
    // The sender put its token in the query; the listener must not see it.
    expect(accept.address).not.toMatch(/sb-hc-token|sig=/);
    const accepted = await open(accept.address);
    accepted.on('message', (data, isBinary) => accepted.send(data as Buffer, { binary: isBinary }));
    const result = await pending;
    if (!result.opened) throw new Error(`sender handshake failed: ${result.status}`);
    const sender = result.socket;
    const replies = framesOf(sender);
    sender.send('hello relay');
    sender.send(new Uint8Array([0, 1, 2, 255]));
    const text = await replies.next();
    const binary = await replies.next();
    expect(text).toMatchObject({ isBinary: false });
    expect(text.data.toString()).toBe('hello relay');
    expect(binary.isBinary).toBe(true);
    expect([...binary.data]).toEqual([0, 1, 2, 255]);
    sender.close(1000);
    await closed(accepted);
    listener.socket.terminate();
  });

  it('sends the sender headers, suffix and app query in the accept, never its token', async () => {
    const listener = await rawListener(emulator, 'headers');
    const t = await token({ path: 'headers' });
    const pending = handshake(`${wsBase(emulator)}/$hc/headers/room/7?app=1&sb-hc-action=connect&sb-hc-id=trace-42`, {
      headers: { ServiceBusAuthorization: t, 'X-Custom': 'value' },
      protocols: ['chat.v2', 'chat.v1'],
    });
    const { accept } = await listener.frames.nextJson();
    expect(accept.id).toMatch(/^trace-42_G\d+$/);
    expect(accept.address).toMatch(/\/\$hc\/headers\/room\/7\?app=1&sb-hc-action=accept&sb-hc-id=trace-42_G\d+$/);
    expect(accept.connectHeaders['X-Custom']).toBe('value');
    expect(accept.connectHeaders['Sec-WebSocket-Protocol']).toMatch(/^chat\.v2, ?chat\.v1$/);
    expect(Object.keys(accept.connectHeaders).map((h) => h.toLowerCase())).not.toContain('servicebusauthorization');
    expect(JSON.stringify(accept)).not.toContain('sig=');
    // The listener picks a subprotocol by offering it on the rendezvous; the sender sees it.
    const accepted = await open(accept.address, { protocols: ['chat.v1'] });
    const result = await pending;
    if (!result.opened) throw new Error('expected the sender to open');
    expect(result.socket.protocol).toBe('chat.v1');
    expect(accepted.protocol).toBe('chat.v1');
    result.socket.terminate();
    listener.socket.terminate();
  });

  it('spreads connections across listeners', async () => {
    const a = await rawListener(hasty, 'spread');
    const b = await rawListener(hasty, 'spread');
    const seen = { a: 0, b: 0 };
    a.socket.on('message', () => seen.a++);
    b.socket.on('message', () => seen.b++);
    const senders = await Promise.all(Array.from({ length: 40 }, async () => handshake(await connectUrl('spread', '', hasty))));
    // Nobody accepts: every handshake ends at the rendezvous deadline with 504.
    expect(senders.every((s) => !s.opened && s.status === 504)).toBe(true);
    expect(seen.a + seen.b).toBe(40);
    expect(seen.a).toBeGreaterThan(0);
    expect(seen.b).toBeGreaterThan(0);
    a.socket.terminate();
    b.socket.terminate();
  });
});

describe('reject and rendezvous lifetime', () => {
  it('a reject gives the sender the listener status and the rejecting connect 410', async () => {
    const listener = await rawListener(emulator, 'reject');
    const { pending, accept } = await connectAndAccept('reject', listener.frames);
    const rejecting = await failedStatus(`${accept.address}&sb-hc-statusCode=401&sb-hc-statusDescription=${encodeURIComponent('go away')}`);
    expect(rejecting.status).toBe(410);
    const result = await pending;
    expect(result).toMatchObject({ opened: false, status: 401, statusMessage: 'go away' });
    listener.socket.terminate();
  });

  it('an address works once: a second connect gets 403', async () => {
    const listener = await rawListener(emulator, 'once');
    const { pending, accept } = await connectAndAccept('once', listener.frames);
    const first = await open(accept.address);
    expect((await failedStatus(accept.address)).status).toBe(403);
    const result = await pending;
    expect(result.opened).toBe(true);
    first.terminate();
    listener.socket.terminate();
  });

  it('an expired address gets 403 and the waiting sender 504', async () => {
    const listener = await rawListener(hasty, 'late');
    const { pending, accept } = await connectAndAccept('late', listener.frames, { on: hasty });
    const result = await pending; // the 300 ms rendezvous lifetime passes
    expect(result).toMatchObject({ opened: false, status: 504 });
    expect((await failedStatus(accept.address)).status).toBe(403);
    listener.socket.terminate();
  });
});

describe('close codes', () => {
  async function bridged(path: string) {
    const listener = await rawListener(emulator, path);
    const { pending, accept } = await connectAndAccept(path, listener.frames);
    const accepted = await open(accept.address);
    const result = await pending;
    if (!result.opened) throw new Error('expected the sender to open');
    return { listener, accepted, sender: result.socket };
  }

  it('passes an application close code through', async () => {
    const { listener, accepted, sender } = await bridged('close-app');
    const senderClosed = closed(sender);
    accepted.close(4321, 'done here');
    expect(await senderClosed).toEqual({ code: 4321, reason: 'done here' });
    listener.socket.terminate();
  });

  it('the sender sees 1000 when the listener side vanishes', async () => {
    const { listener, accepted, sender } = await bridged('close-vanish');
    const senderClosed = closed(sender);
    accepted.terminate();
    expect((await senderClosed).code).toBe(1000);
    listener.socket.terminate();
  });

  it('the listener side sees 1001 when the sender vanishes', async () => {
    const { listener, accepted, sender } = await bridged('close-sender');
    const acceptedClosed = closed(accepted);
    sender.terminate();
    expect((await acceptedClosed).code).toBe(1001);
    listener.socket.terminate();
  });

  it('deleting the entity closes control channels and bridged sockets with 1001', async () => {
    const { listener, accepted, sender } = await bridged('doomed');
    const closes = Promise.all([closed(listener.socket), closed(accepted), closed(sender)]);
    expect(emulator.deleteEntity('doomed')).toBe(true);
    expect((await closes).map((c) => c.code)).toEqual([1001, 1001, 1001]);
  });

  it('answers WebSocket pings on the control channel', async () => {
    const listener = await rawListener(emulator, 'pinger');
    const pong = new Promise<string>((resolve) => listener.socket.once('pong', (data) => resolve(data.toString())));
    listener.socket.ping('are-you-there');
    expect(await pong).toBe('are-you-there');
    listener.socket.terminate();
  });

  it('the sender keeps working after the listener control channel drops', async () => {
    const { listener, accepted, sender } = await bridged('survive');
    listener.socket.terminate();
    await closed(listener.socket).catch(() => undefined);
    accepted.on('message', (data) => accepted.send(data as Buffer));
    const echo = new Promise<string>((resolve) => sender.once('message', (data) => resolve(data.toString())));
    sender.send('still here');
    expect(await echo).toBe('still here');
    sender.terminate();
  });
});

describe('resilience', () => {
  it('a garbage upgrade request does not hurt the emulator', async () => {
    const garbage = new WebSocket(`${wsBase(emulator)}/$hc/%E0%A4%A?sb-hc-action=listen`);
    await new Promise((resolve) => {
      garbage.on('error', resolve);
      garbage.on('unexpected-response', (_q, res) => resolve(res.statusCode));
    });
    const listener = await rawListener(emulator, 'after-garbage');
    expect(emulator.listenerCount('after-garbage')).toBe(1);
    listener.socket.terminate();
  });
});

describe('flow control', () => {
  it('stops reading a fast sender while the listener side is not reading, then delivers everything', async () => {
    const listener = await rawListener(emulator, 'slow-reader');
    const { pending, accept } = await connectAndAccept('slow-reader', listener.frames);
    const accepted = await open(accept.address);
    const result = await pending;
    if (!result.opened) throw new Error('expected the sender to open');
    const sender = result.socket;
    accepted.pause();
    const chunk = Buffer.alloc(1024 * 1024, 1);
    const total = 64;
    for (let i = 0; i < total; i++) sender.send(chunk);
    // Kernel buffers and the emulator's 4 MB high-water mark absorb some of it; the rest must stay
    // queued at the sender because the emulator stopped reading (without flow control it would all
    // pile up inside the emulator and the sender's queue would drain).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sender.bufferedAmount).toBeGreaterThan(16 * 1024 * 1024);
    let received = 0;
    accepted.on('message', (data) => (received += (data as Buffer).length));
    accepted.resume();
    await vi.waitFor(() => expect(received).toBe(total * chunk.length), { timeout: 15_000 });
    expect(sender.bufferedAmount).toBe(0);
    sender.terminate();
    listener.socket.terminate();
  });
});

describe('rendezvous port (note §1.3: the service hands out another gateway host)', () => {
  it('accept and request addresses point at a second port that serves rendezvous only', async () => {
    expect(emulator.rendezvousPort).not.toBe(emulator.port);
    expect(emulator.info()).toMatchObject({ port: emulator.port, rendezvousPort: emulator.rendezvousPort });
    const listener = await rawListener(emulator, 'second-port');
    const { pending, accept } = await connectAndAccept('second-port', listener.frames);
    expect(new URL(accept.address).host).toBe(`127.0.0.1:${emulator.rendezvousPort}`);
    const accepted = await open(accept.address);
    const result = await pending;
    expect(result.opened).toBe(true);
    if (result.opened) result.socket.terminate();
    accepted.terminate();

    // An HTTP request's upgrade address goes there too.
    const answered = fetch(`http://127.0.0.1:${emulator.port}/second-port`, { headers: { ServiceBusAuthorization: await token({ path: 'second-port' }) } });
    const { request } = await listener.frames.nextJson();
    expect(new URL(request.address).host).toBe(`127.0.0.1:${emulator.rendezvousPort}`);
    listener.socket.send(JSON.stringify({ response: { requestId: request.id, statusCode: 204, body: false } }));
    expect((await answered).status).toBe(204);

    // Listen, connect and plain HTTP belong to the namespace address, not the rendezvous one.
    const other = `ws://127.0.0.1:${emulator.rendezvousPort}/$hc/second-port`;
    const auth = { headers: { ServiceBusAuthorization: await token({ path: 'second-port' }) } };
    expect((await failedStatus(`${other}?sb-hc-action=listen`, auth)).status).toBe(400);
    expect((await failedStatus(`${other}?sb-hc-action=connect`, auth)).status).toBe(400);
    expect((await fetch(`http://127.0.0.1:${emulator.rendezvousPort}/second-port`, auth)).status).toBe(404);
    expect(emulator.listenerCount('second-port')).toBe(1);
    listener.socket.terminate();
  });

  it("rendezvousPort 'same' serves rendezvous on the main port", async () => {
    const same = await startEmulator({ rendezvousPort: 'same' });
    try {
      expect(same.rendezvousPort).toBe(same.port);
      const listener = await rawListener(same, 'one-port');
      const pending = handshake(`${wsBase(same)}/$hc/one-port?sb-hc-action=connect`, { headers: { ServiceBusAuthorization: await token({ path: 'one-port' }) } });
      const { accept } = await listener.frames.nextJson();
      expect(new URL(accept.address).host).toBe(`127.0.0.1:${same.port}`);
      const accepted = await open(accept.address);
      const result = await pending;
      expect(result.opened).toBe(true);
      if (result.opened) result.socket.terminate();
      accepted.terminate();
      listener.socket.terminate();
    } finally {
      await same.close();
    }
  });

  it('refuses a rendezvous port that is not a port', async () => {
    await expect(startEmulator({ rendezvousPort: 70000 })).rejects.toThrow(/rendezvousPort/);
    await expect(startEmulator({ rendezvousPort: 'other' as never })).rejects.toThrow(/rendezvousPort/);
  });
});
