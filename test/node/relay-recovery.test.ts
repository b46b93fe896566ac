import { afterEach, describe, expect, it } from 'vitest';
import { createSasToken, createSasTokenProvider } from '../../src/core/index.js';
import type { RealtimeError } from '../../src/core/errors.js';
import { EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../../src/emulator/defaults.js';
import { startRelayEmulator } from '../../src/emulator/relay/index.js';
import { nodeHmac } from '../../src/node/hmac.js';
import { HybridConnectionClient, HybridConnectionListener } from '../../src/node/relay.js';
import { until } from '../shared/until.js';

// Recovery against a real emulator the test owns: a stop/restart on the same port, and tokens
// that live 6 s (the emulator closes an expired control channel with 1008, docs/protocol/relay.md §1.6).
// Both tests wait for events, never for a fixed time: on a loaded machine any fixed time is wrong.

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

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

const waitFor = (what: () => boolean, description: string) => until(what, description, 15_000);

describe('relay listener recovery', () => {
  it('comes back online and accepts after the emulator restarts on the same port', async () => {
    let emulator = await startRelayEmulator({ port: 0 });
    const port = emulator.port;
    const listener = new HybridConnectionListener(emulator.connectionString, { path: 'recover' });
    cleanups.push(() => listener.close());
    const events = track(listener);
    await listener.open();
    await acceptsAConnection(emulator.connectionString, listener, 'recover');

    await emulator.close();
    await waitFor(() => listener.status === 'connecting', 'the listener notices the emulator is gone');
    await new Promise((resolve) => setTimeout(resolve, 500)); // down for a moment: at least one failed redial (the first is at once)
    emulator = await startRelayEmulator({ port });
    cleanups.push(() => emulator.close());
    const restartedAt = Date.now();
    // The next redial comes on the backoff schedule (1 s, then 2 s, ±20%); no bound on it here.
    await waitFor(() => listener.status === 'online', 'the listener is back online');
    await acceptsAConnection(emulator.connectionString, listener, 'recover');
    console.log(`relay listener online and accepting ${Date.now() - restartedAt} ms after the emulator restarted`);
    expect(events[0]).toBe('connecting');
    expect(events.slice(1, 3)).toEqual(['online', 'connecting:unavailable']);
    expect(events.at(-1)).toBe('online');
    expect(events.filter((e) => e.startsWith('offline'))).toEqual([]);
  });

  it('renews a 6 s token with no drop, while a fixed 6 s token is dropped with 1008', { timeout: 40_000 }, async () => {
    const emulator = await startRelayEmulator({ port: 0 });
    cleanups.push(() => emulator.close());
    const entity = { namespace: `127.0.0.1:${emulator.port}`, useDevelopmentEmulator: true };
    // 6 s: the provider's renew-before (a fifth of the lifetime, 1.2 s) exceeds the listener's
    // renewal lead (1 s), so each renewal mints a new token.
    const keyProvider = createSasTokenProvider({ keyName: EMULATOR_KEY_NAME, key: EMULATOR_SAS_KEY }, { ttlSeconds: 6, hmac: nodeHmac });
    const minted = new Set<string>();
    const counting = {
      kind: 'token-provider' as const,
      async getToken(audience: string) {
        const token = await keyProvider.getToken(audience);
        minted.add(token.token);
        return token;
      },
    };
    const renewing = new HybridConnectionListener({ ...entity, path: 'renew', tokenProvider: counting });
    const fixedToken = await createSasToken({ resourceUri: 'http://127.0.0.1/fixed', keyName: EMULATOR_KEY_NAME, key: EMULATOR_SAS_KEY, ttlSeconds: 6, hmac: nodeHmac });
    const fixed = new HybridConnectionListener({ ...entity, path: 'fixed', tokenProvider: createSasTokenProvider({ sharedAccessSignature: fixedToken }) });
    cleanups.push(() => renewing.close(), () => fixed.close());
    const renewEvents = track(renewing);
    const fixedEvents = track(fixed);
    let fixedDrop: RealtimeError | undefined;
    fixed.on('connecting', (error) => (fixedDrop ??= error));
    await Promise.all([renewing.open(), fixed.open()]);

    // The fourth token is minted after the second one expired: the channel outlived two renewals.
    await until(() => minted.size >= 4, 'three renewals of the 6 s token', 35_000);
    expect(renewEvents).toEqual(['connecting', 'online']);
    expect(renewing.status).toBe('online');
    await acceptsAConnection(emulator.connectionString, renewing, 'renew');
    // The control: without renewal the same emulator drops the channel at expiry (by now long past).
    await until(() => fixedDrop !== undefined, 'the fixed token expires');
    expect(fixedDrop).toMatchObject({ code: 'expired_token', serviceCode: '1008' });
    expect(fixedEvents.slice(0, 3)).toEqual(['connecting', 'online', 'connecting:expired_token']);
  });
});
