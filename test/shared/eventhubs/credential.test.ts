import { AzureSASCredential, isNamedKeyCredential, isSASCredential, type TokenCredential } from '@azure/core-auth';
import { describe, expect, it } from 'vitest';
import { RealtimeError } from '../../../src/core/errors.js';
import {
  createEventHubConsumerClient,
  createEventHubProducerClient,
  downgradeEmulatorUrl,
  plainWebSocketFor,
  toEventHubsCredential,
  type EventHubsCredentialSource,
} from '../../../src/core/eventhubs/index.js';
import { createSasToken } from '../../../src/core/sas.js';
import { createSasTokenProvider } from '../../../src/core/sas-token-provider.js';
import type { WebSocketCtor } from '../../../src/core/transport.js';
import { runtimeWebSocket } from '../relay/socket.js';
import { closeAfterAll, greedy, hub, inBrowser, namespace, noRetry, parsed, positionsAfterNow, receiveTagged, runId } from './helpers.js';

// The page holds no key: a server mints a SAS for the hub and the page hands it to the SDK through
// toEventHubsCredential / the factories. Here the test plays the server (it has the emulator key).

const track = closeAfterAll();

const hubAudience = `sb://${namespace}/${hub}`;
const inTenMinutes = () => Math.floor(Date.now() / 1000) + 600;
const serverMintedSas = (resourceUri = hubAudience, key = parsed.sharedAccessKey!) =>
  createSasToken({ resourceUri, keyName: parsed.sharedAccessKeyName!, key, expiresAt: inTenMinutes() });

describe('toEventHubsCredential', () => {
  it('maps a key to a NamedKeyCredential and a fixed SAS to a SASCredential', async () => {
    const named = toEventHubsCredential({ keyName: 'send', key: 'c2VjcmV0' });
    expect(isNamedKeyCredential(named)).toBe(true);
    expect(named).toMatchObject({ name: 'send', key: 'c2VjcmV0' });
    const token = await serverMintedSas();
    const sas = toEventHubsCredential({ sharedAccessSignature: token });
    expect(isSASCredential(sas)).toBe(true);
    expect((sas as AzureSASCredential).signature).toBe(token);
  });

  it('passes SDK credentials and TokenCredentials through unchanged', () => {
    const sdkSas = new AzureSASCredential('SharedAccessSignature sr=a&sig=b&se=1&skn=c');
    expect(toEventHubsCredential(sdkSas)).toBe(sdkSas);
    const entra: TokenCredential = { getToken: async () => ({ token: 'jwt', expiresOnTimestamp: Date.now() + 60_000 }) };
    expect(toEventHubsCredential(entra)).toBe(entra);
  });

  it('turns a TokenProvider into a per-audience SAS provider the SDK recognises', async () => {
    const provider = createSasTokenProvider({ keyName: parsed.sharedAccessKeyName!, key: parsed.sharedAccessKey! });
    const credential = toEventHubsCredential(provider) as TokenCredential & { isSasTokenProvider?: boolean };
    expect(credential.isSasTokenProvider).toBe(true);
    const token = await credential.getToken(`${hubAudience}/Partitions/0`);
    expect(token?.token).toContain(`sr=${encodeURIComponent(`${hubAudience}/Partitions/0`)}`);
    expect(token!.expiresOnTimestamp).toBeGreaterThan(Date.now());
  });

  it('refuses a malformed SAS with invalid_token and anything else with a TypeError', () => {
    expect(() => toEventHubsCredential({ sharedAccessSignature: 'Bearer abc' })).toThrow(RealtimeError);
    expect(() => toEventHubsCredential({ sharedAccessSignature: 'Bearer abc' })).toThrow(expect.objectContaining({ code: 'invalid_token' }));
    expect(() => toEventHubsCredential({ keyName: '', key: 'k' })).toThrow(TypeError);
    expect(() => toEventHubsCredential(42 as unknown as EventHubsCredentialSource)).toThrow(TypeError);
  });
});

describe('the emulator WebSocket downgrade', () => {
  it('rewrites wss:// to ws:// for the emulator host:port only', () => {
    expect(downgradeEmulatorUrl('wss://127.0.0.1:5672/$servicebus/websocket', '127.0.0.1:5672')).toBe('ws://127.0.0.1:5672/$servicebus/websocket');
    expect(downgradeEmulatorUrl('wss://LOCALHOST:5672/$servicebus/websocket', 'localhost:5672')).toBe('ws://LOCALHOST:5672/$servicebus/websocket');
    expect(downgradeEmulatorUrl('wss://127.0.0.1:5673/$servicebus/websocket', '127.0.0.1:5672')).toBe('wss://127.0.0.1:5673/$servicebus/websocket');
    expect(downgradeEmulatorUrl('wss://ns.servicebus.windows.net:443/$servicebus/websocket', '127.0.0.1:5672')).toBe('wss://ns.servicebus.windows.net:443/$servicebus/websocket');
    expect(downgradeEmulatorUrl('wss://127.0.0.1:56720/x', '127.0.0.1:5672')).toBe('wss://127.0.0.1:56720/x');
  });

  it('makes the SDK open ws://host:port/$servicebus/websocket through a WebSocket class it is given', async () => {
    const Base = await runtimeWebSocket();
    const opened: string[] = [];
    const Recording = class extends (Base as unknown as new (...args: unknown[]) => object) {
      constructor(...args: unknown[]) {
        opened.push(String(args[0]));
        super(...args);
      }
    } as unknown as WebSocketCtor;
    const producer = track(
      await createEventHubProducerClient(`Endpoint=sb://${namespace}/;SharedAccessKeyName=${parsed.sharedAccessKeyName};SharedAccessKey=${parsed.sharedAccessKey};UseDevelopmentEmulator=true`, hub, {
        webSocketOptions: { webSocket: Recording },
      }),
    );
    expect((await producer.getEventHubProperties()).name).toBe(hub);
    expect(opened).toEqual([`ws://${namespace}/$servicebus/websocket`]);
    expect(() => plainWebSocketFor(undefined as unknown as WebSocketCtor, namespace)).toThrow(TypeError);
  });
});

describe('server-minted SAS against the emulator', () => {
  it('a fixed SAS for the hub sends and receives (no key in the client)', async () => {
    const credential = { sharedAccessSignature: await serverMintedSas() };
    const endpoint = { fullyQualifiedNamespace: namespace, credential, useDevelopmentEmulator: true };
    const producer = track(await createEventHubProducerClient(endpoint, hub));
    const consumer = track(await createEventHubConsumerClient('$Default', endpoint, hub, undefined, greedy));
    const run = runId();
    const receiving = receiveTagged(consumer, run, 3, await positionsAfterNow(consumer));
    await producer.sendBatch([1, 2, 3].map((n) => ({ body: n, properties: { run } })));
    const received = await receiving.done;
    await receiving.close();
    expect(received.map((event) => event.body).sort()).toEqual([1, 2, 3]);
  });

  it('a forged SAS (wrong key) and a SAS for another hub are refused with UnauthorizedError', async () => {
    const forged = track(
      await createEventHubProducerClient(
        { fullyQualifiedNamespace: namespace, credential: { sharedAccessSignature: await serverMintedSas(hubAudience, 'bm90LXRoZS1rZXk=') }, useDevelopmentEmulator: true },
        hub,
        noRetry,
      ),
    );
    await expect(forged.getEventHubProperties()).rejects.toMatchObject({ code: 'UnauthorizedError' });
    const otherHub = track(
      await createEventHubProducerClient(
        { fullyQualifiedNamespace: namespace, credential: { sharedAccessSignature: await serverMintedSas(`sb://${namespace}/other-hub`) }, useDevelopmentEmulator: true },
        hub,
        noRetry,
      ),
    );
    await expect(otherHub.sendBatch([{ body: 'nope' }])).rejects.toMatchObject({ code: 'UnauthorizedError' });
  });

  it('a renewing TokenProvider (credential constructor, over a WebSocket) is asked per audience and works', async () => {
    const asked: string[] = [];
    const minted = createSasTokenProvider({ keyName: parsed.sharedAccessKeyName!, key: parsed.sharedAccessKey! }, { ttlSeconds: 600 });
    const provider = {
      kind: 'token-provider' as const,
      getToken: (audience: string) => {
        asked.push(audience);
        return minted.getToken(audience);
      },
    };
    const producer = track(
      await createEventHubProducerClient({ fullyQualifiedNamespace: namespace, credential: provider, useDevelopmentEmulator: true }, hub, {
        webSocketOptions: { webSocket: inBrowser ? undefined : await runtimeWebSocket() },
      }),
    );
    await producer.sendBatch([{ body: 'via provider' }], { partitionId: '3' });
    expect(asked).toContain(`${hubAudience}/Partitions/3`);
    expect(asked.every((audience) => audience.startsWith(hubAudience))).toBe(true);
  });

  it("the SDK's own AzureSASCredential (sent for every audience, so it must name the hub) works over a WebSocket", async () => {
    const credential = new AzureSASCredential(await serverMintedSas());
    const producer = track(
      await createEventHubProducerClient({ fullyQualifiedNamespace: namespace, credential, useDevelopmentEmulator: true }, hub, {
        webSocketOptions: { webSocket: inBrowser ? undefined : await runtimeWebSocket() },
      }),
    );
    await producer.sendBatch([{ body: 'via SASCredential' }], { partitionId: '1' });
    expect((await producer.getPartitionProperties('1')).isEmpty).toBe(false);
  });

  it.skipIf(inBrowser)('in Node, a TokenProvider for the emulator without a WebSocket class is a TypeError (the SDK would try TLS)', async () => {
    const provider = createSasTokenProvider({ keyName: parsed.sharedAccessKeyName!, key: parsed.sharedAccessKey! });
    await expect(createEventHubProducerClient({ fullyQualifiedNamespace: namespace, credential: provider, useDevelopmentEmulator: true }, hub)).rejects.toThrow(/webSocketOptions\.webSocket/);
  });
});
