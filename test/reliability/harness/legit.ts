import { EventHubProducerClient } from '@azure/event-hubs';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import WebSocket from 'ws';
import { HybridConnectionClient, HybridConnectionListener } from '../../../src/node/relay.js';
import type { EmulatorChild } from './child.js';
import type { SecretBook } from './secrets.js';

// "A legitimate client still works" after each hostile batch: the official SDKs where there is
// one (@azure/event-hubs, @azure/web-pubsub), and a relay listener + sender echo.

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function eventHubsWorks(child: EmulatorChild, hub = 'eh1'): Promise<void> {
  const producer = new EventHubProducerClient(child.info.eventhubs.connectionString, hub, { retryOptions: { maxRetries: 1, timeoutInMs: 10_000 } });
  try {
    await within(
      (async () => {
        const before = await producer.getPartitionProperties('0');
        await producer.sendBatch([{ body: 'still alive' }], { partitionId: '0' });
        const after = await producer.getPartitionProperties('0');
        if (after.lastEnqueuedSequenceNumber !== before.lastEnqueuedSequenceNumber + 1) throw new Error('event hubs: the sent event was not enqueued');
      })(),
      20_000,
      'event hubs send',
    );
  } finally {
    await producer.close();
  }
}

export async function webPubSubWorks(child: EmulatorChild, secrets?: SecretBook, hub = 'liveness'): Promise<void> {
  const service = new WebPubSubServiceClient(child.info.webpubsub.connectionString, hub, { allowInsecureConnection: true });
  const { url, token } = await service.getClientAccessToken({ userId: 'probe' });
  secrets?.add(token);
  const ws = new WebSocket(url, ['json.webpubsub.azure.v1']);
  try {
    await within(
      new Promise<void>((resolve, reject) => {
        const marker = `alive-${Math.random()}`;
        ws.on('message', (data) => {
          const message = JSON.parse(data.toString()) as { type: string; event?: string; data?: unknown };
          if (message.type === 'system' && message.event === 'connected') service.sendToAll(marker, { contentType: 'text/plain' }).catch(reject);
          if (message.type === 'message' && message.data === marker) resolve();
        });
        ws.on('unexpected-response', (_req, res) => reject(new Error(`web pubsub: handshake got ${res.statusCode}`)));
        ws.on('error', reject);
      }),
      15_000,
      'web pubsub sendToAll',
    );
  } finally {
    ws.terminate();
  }
}

export async function relayWorks(child: EmulatorChild, path = `liveness-${Math.random().toString(36).slice(2, 8)}`): Promise<void> {
  const connectionString = child.info.relay.connectionString;
  const listener = new HybridConnectionListener(connectionString, { path });
  try {
    await within(
      (async () => {
        await listener.open();
        listener.on('connection', ({ socket }) => {
          socket.onmessage = (event) => socket.send(event.data as string);
        });
        const sender = await new HybridConnectionClient(connectionString, { path }).createConnection();
        const echoed = new Promise<unknown>((resolve) => (sender.onmessage = (event) => resolve(event.data)));
        sender.send('echo me');
        const data = await echoed;
        sender.close();
        if (String(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer)) !== 'echo me') throw new Error(`relay: echo returned ${String(data)}`);
      })(),
      15_000,
      'relay echo',
    );
  } finally {
    await listener.close();
  }
}

/** All three, concurrently. */
export async function everyServiceWorks(child: EmulatorChild, secrets?: SecretBook): Promise<void> {
  await Promise.all([eventHubsWorks(child), webPubSubWorks(child, secrets), relayWorks(child)]);
}
