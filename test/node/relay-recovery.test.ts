import { afterEach, describe, expect, it } from 'vitest';
import { createSasToken, createSasTokenProvider } from '../../src/core/index.js';
import type { RealtimeError } from '../../src/core/errors.js';
import { EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../../src/emulator/defaults.js';
import { startRelayEmulator, type RunningRelayEmulator } from '../../src/emulator/relay/index.js';
import { nodeHmac } from '../../src/node/hmac.js';
import { HybridConnectionClient, HybridConnectionListener } from '../../src/node/relay.js';

// Recovery against a real emulator the test owns: a stop/restart on the same port, and a token
// that lives 10 s (the emulator closes an expired control channel with 1008, relay note §1.6).

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function freePortEmulator(): Promise<RunningRelayEmulator> {
  const probe = await startRelayEmulator({ port: 0 });
  const port = probe.port;
  await probe.close();
  return startRelayEmulator({ port });
}

function track(listener: HybridConnectionListener): string[] {
  const events: string[] = [];
  listener.on('connecting', (error) => events.push(`connecting${error ? `:${error.code}` : ''}`));
  listener.on('online', () => events.push('online'));
  listener.on('offline', (error) => events.push(`offline${error ? `:${error.code}` : ''}`));
  return events;
}

async function acceptsAConnection(connectionString: string, listener: HybridConnectionListener, path: string): Promise<void> {
  const accepted = new Promise<void>((resolve) => {
    const off = listener.on('connection', ({ socket }) => {
      off();
      socket.close();
      resolve();
    });
  });
  const sender = await new HybridConnectionClient(connectionString, { path }).createConnection();
  await accepted;
  sender.close();
}

const waitFor = (what: () => boolean, timeoutMs: number) =>
  new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (what()) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`condition not met within ${timeoutMs} ms`));
      }
    }, 20);
  });

describe('relay listener recovery', () => {
  it('comes back online and accepts within 3 s after the emulator restarts on the same port', async () => {
    let emulator = await freePortEmulator();
    const port = emulator.port;
    const listener = new HybridConnectionListener(emulator.connectionString, { path: 'recover' });
    cleanups.push(() => listener.close());
    const events = track(listener);
    await listener.open();
    await acceptsAConnection(emulator.connectionString, listener, 'recover');

    await emulator.close();
    await waitFor(() => listener.status === 'connecting', 2000);
    await new Promise((resolve) => setTimeout(resolve, 500)); // down for a moment: at least one failed redial
    emulator = await startRelayEmulator({ port });
    cleanups.push(() => emulator.close());
    const restartedAt = Date.now();
    await waitFor(() => listener.status === 'online', 3000);
    await acceptsAConnection(emulator.connectionString, listener, 'recover');
    const recoveredMs = Date.now() - restartedAt;
    console.log(`relay listener online and accepting ${recoveredMs} ms after the emulator restarted`);
    expect(recoveredMs).toBeLessThan(3000);
    expect(events[0]).toBe('connecting');
    expect(events.slice(1, 3)).toEqual(['online', 'connecting:unavailable']);
    expect(events.at(-1)).toBe('online');
    expect(events.filter((e) => e.startsWith('offline'))).toEqual([]);
  });

  it('renews a 10 s token with no drop, while a fixed 10 s token is dropped with 1008', { timeout: 40_000 }, async () => {
    const emulator = await startRelayEmulator({ port: 0 });
    cleanups.push(() => emulator.close());
    const entity = { namespace: `127.0.0.1:${emulator.port}`, useDevelopmentEmulator: true };
    const renewing = new HybridConnectionListener({
      ...entity,
      path: 'renew',
      tokenProvider: createSasTokenProvider({ keyName: EMULATOR_KEY_NAME, key: EMULATOR_SAS_KEY }, { ttlSeconds: 10, hmac: nodeHmac }),
    });
    const fixedToken = await createSasToken({ resourceUri: 'http://127.0.0.1/fixed', keyName: EMULATOR_KEY_NAME, key: EMULATOR_SAS_KEY, ttlSeconds: 10, hmac: nodeHmac });
    const fixed = new HybridConnectionListener({ ...entity, path: 'fixed', tokenProvider: createSasTokenProvider({ sharedAccessSignature: fixedToken }) });
    cleanups.push(() => renewing.close(), () => fixed.close());
    const renewEvents = track(renewing);
    const fixedEvents = track(fixed);
    let fixedDrop: RealtimeError | undefined;
    fixed.on('connecting', (error) => (fixedDrop ??= error));
    await Promise.all([renewing.open(), fixed.open()]);

    await new Promise((resolve) => setTimeout(resolve, 22_000)); // two renewals of a 10 s token
    expect(renewEvents).toEqual(['connecting', 'online']);
    expect(renewing.status).toBe('online');
    await acceptsAConnection(emulator.connectionString, renewing, 'renew');
    // The control: without renewal the same emulator drops the channel at expiry.
    expect(fixedDrop).toMatchObject({ code: 'expired_token', serviceCode: '1008' });
    expect(fixedEvents.slice(0, 3)).toEqual(['connecting', 'online', 'connecting:expired_token']);
  });
});
