import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelayEmulator } from '../../../src/emulator/relay/index.js';
import { closed, framesOf, handshake, open, rawListener, startEmulator, token, wsBase } from './helpers.js';
import { maskedTextFrame, rawUpgrade, UNMASKED_FRAME } from './raw-peer.js';

// Issue 10 finding 4: bytes that arrive in the same TCP write as a handshake reach `ws` before the
// emulator's handlers could attach. Every upgraded socket must have its error handler from the
// first byte on (a malformed frame closes only that socket, with ws's RFC 6455 code) and must lose
// no frame that arrived early.
let emulator: RunningRelayEmulator;
const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  emulator = await startEmulator();
});
afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  await emulator.close();
});
afterEach(() => expect(uncaught).toEqual([]));

function pathOf(address: string): string {
  const url = new URL(address);
  return `${url.pathname}${url.search}`;
}

async function stillServes(path: string): Promise<void> {
  const listener = await rawListener(emulator, path);
  listener.socket.terminate();
}

describe('a malformed frame in the same write as the handshake', () => {
  it('listen: closes that control channel with 1002; the emulator keeps serving', async () => {
    const peer = await rawUpgrade(emulator.port, '/$hc/glued-listen?sb-hc-action=listen', UNMASKED_FRAME, {
      ServiceBusAuthorization: await token({ path: 'glued-listen' }),
    });
    expect(await peer.answer()).toEqual({ status: 101, closeCode: 1002 });
    await stillServes('glued-listen');
  });

  it('accept rendezvous: closes the listener side with 1002 and the sender with 1011', async () => {
    const listener = await rawListener(emulator, 'glued-accept');
    const pending = handshake(`${wsBase(emulator)}/$hc/glued-accept?sb-hc-action=connect`, { headers: { ServiceBusAuthorization: await token({ path: 'glued-accept' }) } });
    const { accept } = await listener.frames.nextJson();
    const peer = await rawUpgrade(emulator.rendezvousPort, pathOf(accept.address), UNMASKED_FRAME);
    expect(await peer.answer()).toEqual({ status: 101, closeCode: 1002 });
    const sender = await pending;
    if (sender.opened) expect((await closed(sender.socket)).code).toBe(1011);
    else expect(sender.status).toBeGreaterThanOrEqual(500);
    listener.socket.terminate();
    await stillServes('glued-accept');
  });

  it('request rendezvous: closes it with 1002 and the HTTP sender gets 502', async () => {
    const listener = await rawListener(emulator, 'glued-request');
    const response = fetch(`http://127.0.0.1:${emulator.port}/glued-request`, {
      method: 'POST',
      headers: { ServiceBusAuthorization: await token({ path: 'glued-request' }) },
      body: new Uint8Array(70 * 1024),
    });
    const { request } = await listener.frames.nextJson();
    expect(request.method).toBeUndefined();
    const peer = await rawUpgrade(emulator.rendezvousPort, pathOf(request.address), UNMASKED_FRAME);
    expect(await peer.answer()).toEqual({ status: 101, closeCode: 1002 });
    expect((await response).status).toBe(502);
    listener.socket.terminate();
  });

  it('connect: closes the sender with 1002 and the listener side with 1011', async () => {
    const listener = await rawListener(emulator, 'glued-connect');
    const peer = await rawUpgrade(emulator.port, '/$hc/glued-connect?sb-hc-action=connect', UNMASKED_FRAME, {
      ServiceBusAuthorization: await token({ path: 'glued-connect' }),
    });
    const { accept } = await listener.frames.nextJson();
    const accepted = await open(accept.address);
    const acceptedClosed = closed(accepted);
    expect(await peer.answer()).toEqual({ status: 101, closeCode: 1002 });
    expect((await acceptedClosed).code).toBe(1011);
    listener.socket.terminate();
  });
});

describe('a valid frame in the same write as the handshake', () => {
  it('accept rendezvous: reaches the sender', async () => {
    const listener = await rawListener(emulator, 'early-accept');
    const pending = handshake(`${wsBase(emulator)}/$hc/early-accept?sb-hc-action=connect`, { headers: { ServiceBusAuthorization: await token({ path: 'early-accept' }) } });
    const { accept } = await listener.frames.nextJson();
    const peer = await rawUpgrade(emulator.rendezvousPort, pathOf(accept.address), maskedTextFrame('first words'));
    const sender = await pending;
    if (!sender.opened) throw new Error(`sender handshake failed: ${sender.status}`);
    const frame = await framesOf(sender.socket).next();
    expect(frame.data.toString()).toBe('first words');
    peer.socket.destroy();
    listener.socket.terminate();
  });

  it('listen: a renewToken glued to the handshake is read (a bad one closes with 1008)', async () => {
    const renew = JSON.stringify({ renewToken: { token: 'SharedAccessSignature sr=x&sig=y&se=1&skn=RootManageSharedAccessKey' } });
    const peer = await rawUpgrade(emulator.port, '/$hc/early-listen?sb-hc-action=listen', maskedTextFrame(renew), {
      ServiceBusAuthorization: await token({ path: 'early-listen' }),
    });
    expect(await peer.answer()).toEqual({ status: 101, closeCode: 1008 });
  });
});

describe('request targets new URL() refuses', () => {
  it('an upgrade to // gets 400, not an internal error', async () => {
    const log: string[] = [];
    const logged = await startEmulator({ log: (line) => log.push(line) });
    try {
      for (const port of [logged.port, logged.rendezvousPort]) {
        const peer = await rawUpgrade(port, '//', UNMASKED_FRAME);
        expect((await peer.answer()).status).toBe(400);
      }
      expect(log.join('\n')).not.toMatch(/handler failed/);
    } finally {
      await logged.close();
    }
  });
});

describe('a sender handshake ws would refuse', () => {
  it('gets 400 before its accept reaches a listener', async () => {
    const listener = await rawListener(emulator, 'bad-key');
    const auth = await token({ path: 'bad-key' });
    const peer = await rawUpgrade(emulator.port, '/$hc/bad-key?sb-hc-action=connect&sb-hc-id=broken', Buffer.alloc(0), { ServiceBusAuthorization: auth, 'Sec-WebSocket-Protocol': 'a, a' });
    const firstFrame = listener.frames.nextJson();
    const outcome = await Promise.race([peer.answer().then((answer) => ({ answer })), firstFrame.then((frame) => ({ frame }))]);
    expect(outcome).toEqual({ answer: { status: 400, closeCode: undefined } });
    const pending = handshake(`${wsBase(emulator)}/$hc/bad-key?sb-hc-action=connect&sb-hc-id=fine`, { headers: { ServiceBusAuthorization: auth } });
    const { accept } = await firstFrame;
    expect(accept.id).toMatch(/^fine_G/);
    await open(accept.address);
    const sender = await pending;
    if (sender.opened) sender.socket.terminate();
    listener.socket.terminate();
  });
});
