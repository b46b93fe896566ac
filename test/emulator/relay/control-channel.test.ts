import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningRelayEmulator } from '../../../src/emulator/relay/index.js';
import { closed, httpBase, open, rawListener, startEmulator, token, wsBase } from './helpers.js';
import { LOADED_MACHINE } from '../../shared/until.js';

// What the emulator does with frames a listener sends up the control channel (relay note
// §1.2, §1.6): renewToken, token expiry, and malformed input that must close only that channel.
let emulator: RunningRelayEmulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

describe('malformed frames close only that connection', () => {
  const cases: Array<{ name: string; path: string; frame: string | Uint8Array; code: number }> = [
    { name: 'text that is not JSON', path: 'bad-json', frame: '{"renewToken":', code: 1008 },
    { name: 'an unknown message', path: 'bad-kind', frame: '{"dance":{"style":"waltz"}}', code: 1008 },
    { name: 'a message only the service sends', path: 'bad-direction', frame: '{"accept":{"address":"ws://x","id":"1","connectHeaders":{}}}', code: 1008 },
    { name: 'a response missing its requestId', path: 'bad-response', frame: '{"response":{"statusCode":200,"body":false}}', code: 1008 },
    { name: 'a binary frame nobody announced', path: 'bad-binary', frame: new Uint8Array([1, 2, 3]), code: 1003 },
  ];

  it.each(cases)('$name → close $code, other listeners unaffected', async ({ path, frame, code }) => {
    const victim = await rawListener(emulator, path);
    const bystander = await rawListener(emulator, path);
    const victimClosed = closed(victim.socket);
    victim.socket.send(frame);
    expect((await victimClosed).code).toBe(code);
    await vi.waitFor(() => expect(emulator.listenerCount(path)).toBe(1), LOADED_MACHINE);
    const pong = new Promise((resolve) => bystander.socket.once('pong', resolve));
    bystander.socket.ping();
    await pong;
    bystander.socket.terminate();
  });

  it('a response for an unknown request id is read and ignored', async () => {
    const listener = await rawListener(emulator, 'stray');
    listener.socket.send(JSON.stringify({ response: { requestId: 'nobody', statusCode: 200, body: true } }));
    listener.socket.send(new Uint8Array([9, 9]));
    const pong = new Promise((resolve) => listener.socket.once('pong', resolve));
    listener.socket.ping();
    await pong;
    expect(emulator.listenerCount('stray')).toBe(1);
    listener.socket.terminate();
  });
});

// Tokens that expire 2-3 s after they are made: long enough for a loaded machine to open the channel
// (and send a renewal) first. The cases run side by side, so the file waits for one expiry only.
const soon = () => Math.floor(Date.now() / 1000) + 3;

describe.concurrent('token lifetime', () => {
  it('closes the control channel with 1008 when the token expires', async () => {
    const shortLived = await token({ path: 'expiring', expiresAt: soon() });
    const socket = await open(`${wsBase(emulator)}/$hc/expiring?sb-hc-action=listen`, { headers: { ServiceBusAuthorization: shortLived } });
    const result = await closed(socket);
    expect(result.code).toBe(1008);
    expect(result.reason).toMatch(/expired/i);
  });

  it('renewToken with a valid token keeps the channel open past the first expiry', async () => {
    const expiresAt = soon();
    // The witness holds a token with the same expiry and no renewal; it opens first, so the
    // emulator's expiry for it comes no later than the one it would have had for `renewed`.
    const witness = await open(`${wsBase(emulator)}/$hc/witness?sb-hc-action=listen`, { headers: { ServiceBusAuthorization: await token({ path: 'witness', expiresAt }) } });
    const witnessClosed = closed(witness);
    const socket = await open(`${wsBase(emulator)}/$hc/renewed?sb-hc-action=listen`, { headers: { ServiceBusAuthorization: await token({ path: 'renewed', expiresAt }) } });
    let closeCode: number | undefined;
    socket.on('close', (code) => (closeCode = code));
    socket.send(JSON.stringify({ renewToken: { token: await token({ path: 'renewed' }) } }));
    expect((await witnessClosed).code).toBe(1008);
    // A round trip after the expiry: a close the emulator sent at expiry would arrive before the pong.
    await new Promise((resolve) => {
      if (socket.readyState !== socket.OPEN) return resolve(undefined);
      socket.once('pong', resolve);
      socket.once('close', resolve);
      socket.ping();
    });
    expect(closeCode).toBeUndefined();
    expect(emulator.listenerCount('renewed')).toBe(1);
    socket.terminate();
  });

  it('renewToken with a bad token closes with 1008', async () => {
    const listener = await rawListener(emulator, 'bad-renew');
    const result = closed(listener.socket);
    listener.socket.send(JSON.stringify({ renewToken: { token: await token({ path: 'bad-renew', key: 'wrong' }) } }));
    expect((await result).code).toBe(1008);
  });

  it('renewToken with a Send-only token closes with 1008', async () => {
    const sendOnly = await startEmulator({
      config: { namespaces: [{ name: 'claims', authorizationRules: [{ name: 'send', primaryKey: 'c2VuZA==', rights: ['Send'] }] }] },
    });
    try {
      const socket = await open(`${wsBase(sendOnly)}/$hc/hyco?sb-hc-action=listen`, { headers: { ServiceBusAuthorization: await token() } });
      const result = closed(socket);
      socket.send(JSON.stringify({ renewToken: { token: await token({ keyName: 'send', key: 'c2VuZA==' }) } }));
      expect((await result).code).toBe(1008);
    } finally {
      await sendOnly.close();
    }
  });
});

describe('emulator keeps serving', () => {
  it('answers HTTP after every kind of bad frame above', async () => {
    const response = await fetch(`${httpBase(emulator)}/nobody-home`, { headers: { ServiceBusAuthorization: await token({ path: 'nobody-home' }) } });
    expect(response.status).toBe(502);
  });
});
