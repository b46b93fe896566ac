import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventHubProducerClient, EventHubConsumerClient, type Subscription } from '@azure/event-hubs';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/index.js';
import type { RunningRelayEmulator } from '../../../src/emulator/relay/index.js';
import type { RunningWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { startWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { failedStatus, rawListener, startEmulator, wsBase } from '../relay/helpers.js';
import { clientUrl, connectRaw, isAck, RELIABLE_PROTOCOL } from '../webpubsub/helpers.js';
import { LOADED_MACHINE } from '../../shared/until.js';

// The read-only hooks the dashboard reads (src/emulator/<service>/snapshot.ts): each reflects
// what clients did, stays within its bounds, and carries no query string or token.

describe('relay inspector', () => {
  let relay: RunningRelayEmulator;
  beforeAll(async () => {
    relay = await startEmulator();
  });
  afterAll(() => relay.close());

  it('lists a listener online and records a rejection without its query', async () => {
    const listener = await rawListener(relay, 'dash-listen');
    const snapshot = relay.inspect().snapshot();
    const entity = snapshot.namespaces[0]!.hybridConnections.find((hc) => hc.name === 'dash-listen');
    expect(entity).toMatchObject({ listenerCount: 1, bridges: 0, httpInFlight: 0 });
    expect(entity!.listeners).toHaveLength(1);

    const rejected = await failedStatus(`${wsBase(relay)}/$hc/nobody-here?sb-hc-action=connect&sb-hc-token=SECRET-TOKEN-VALUE`);
    expect(rejected.status).toBe(401); // the token is not a valid SAS
    const rejections = relay.inspect().snapshot().rejections;
    expect(rejections[0]).toMatchObject({ status: 401, kind: 'websocket', action: 'connect', path: '/$hc/nobody-here' });
    expect(JSON.stringify(rejections)).not.toContain('SECRET-TOKEN-VALUE');
    listener.socket.terminate();
    // An auto-created entity is forgotten once its last listener is gone (relay/entities.ts).
    await vi.waitFor(() => expect(relay.inspect().snapshot().namespaces[0]!.hybridConnections.find((hc) => hc.name === 'dash-listen')).toBeUndefined(), LOADED_MACHINE);
  });

  it('keeps at most its ring size of rejections and counts the rest', async () => {
    const before = relay.inspect().snapshot().rejectionsTotal;
    await Promise.all(Array.from({ length: 110 }, () => fetch(`http://127.0.0.1:${relay.port}/nowhere-${Math.random()}`, { method: 'POST', body: 'x' }).then((r) => r.text())));
    const after = relay.inspect().snapshot();
    expect(after.rejections).toHaveLength(100);
    expect(after.rejectionsTotal).toBe(before + 110);
  });
});

describe('web pubsub inspector', () => {
  let wps: RunningWebPubSubEmulator;
  beforeAll(async () => {
    wps = await startWebPubSubEmulator({ port: 0, hubs: { configured: {} } });
  });
  afterAll(() => wps.close());

  it('shows connections with user, subprotocol, groups and reliable buffer; tails sends cut to a preview', async () => {
    const inspector = wps.inspect();
    const url = await clientUrl(wps, 'dash', { userId: 'alice', roles: ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'] });
    const client = await connectRaw(url, RELIABLE_PROTOCOL);
    await client.next((m) => m.event === 'connected');
    client.send({ type: 'joinGroup', group: 'room', ackId: 1 });
    await client.next(isAck(1));
    client.send({ type: 'sendToGroup', group: 'room', dataType: 'text', data: 'x'.repeat(500), ackId: 2 });
    await client.next(isAck(2));

    const snapshot = inspector.snapshot();
    const hub = snapshot.hubs.find((h) => h.name === 'dash')!;
    expect(hub.connections[0]).toMatchObject({ userId: 'alice', subprotocol: RELIABLE_PROTOCOL, groups: ['room'], online: true });
    expect(hub.connections[0]!.reliable!.messages).toBeGreaterThan(0);
    expect(hub.groups).toEqual([{ name: 'room', members: 1 }]);
    expect(hub.users).toEqual([{ id: 'alice', connections: 1 }]);
    expect(snapshot.hubs.map((h) => h.name)).toContain('configured');
    expect(snapshot.messages[0]).toMatchObject({ hub: 'dash', target: 'group', name: 'room', from: 'group', fromUserId: 'alice', recipients: 1, truncated: true });
    expect(snapshot.messages[0]!.preview).toHaveLength(200);
    expect(JSON.stringify(snapshot)).not.toMatch(/reconnectionToken|access_token/);

    expect(inspector.send({ hub: 'dash', target: 'user', name: 'alice', payload: { dataType: 'json', data: { hello: 'dashboard' } } })).toBe(1);
    await client.next((m) => m.type === 'message' && (m.data as { hello?: string })?.hello === 'dashboard');
    expect(inspector.snapshot().messages[0]).toMatchObject({ target: 'user', name: 'alice', preview: '{"hello":"dashboard"}', recipients: 1 });

    const id = hub.connections[0]!.id;
    expect(inspector.close('dash', id, 'bye')).toBe(true);
    await client.closed;
    expect(inspector.close('dash', id)).toBe(false);
  });
});

describe('event hubs inspector', () => {
  let eh: RunningEventHubsEmulator;
  beforeAll(async () => {
    eh = await startEventHubsEmulator({ port: 0 });
  });
  afterAll(() => eh.close());

  it('shows partitions, the newest events cut to a preview and the receivers of a consumer group', async () => {
    const producer = new EventHubProducerClient(eh.connectionString, 'eh1');
    await producer.sendBatch([{ body: 'first' }, { body: 'y'.repeat(1000) }], { partitionId: '2' });
    const consumer = new EventHubConsumerClient('$Default', eh.connectionString, 'eh1');
    let subscription: Subscription | undefined;
    try {
      subscription = consumer.subscribe('2', { processEvents: async () => {}, processError: async () => {} }, { startPosition: { sequenceNumber: 0 } });
      await vi.waitFor(() => {
        const group = eh.inspect().snapshot().hubs[0]!.consumerGroups.find((g) => g.name === '$Default');
        expect(group!.receivers.map((r) => r.partitionId)).toContain('2');
      }, 10_000);
      const partition = eh.inspect().snapshot().hubs[0]!.partitions[2]!;
      expect(partition).toMatchObject({ beginSequenceNumber: 0, lastEnqueuedSequenceNumber: 1, retainedEvents: 2 });
      expect(partition.retainedBytes).toBeGreaterThan(1000);
      expect(partition.newest.map((e) => e.sequenceNumber)).toEqual([1, 0]);
      // The SDK sends a string body as JSON text.
      expect(partition.newest[1]!.preview).toBe('"first"');
      expect(partition.newest[0]).toMatchObject({ truncated: true });
      expect(partition.newest[0]!.preview).toHaveLength(200);
    } finally {
      await subscription?.close();
      await consumer.close();
      await producer.close();
    }
  });

  it('sends an event the official consumer reads back, with its partition key', async () => {
    const sent = await eh.inspect().send({ hub: 'eh1', body: 'from the dashboard', partitionKey: 'k1' });
    const consumer = new EventHubConsumerClient('$Default', eh.connectionString, 'eh1');
    try {
      const [event] = await new Promise<Array<{ body: unknown; partitionKey?: string | null }>>((resolve, reject) => {
        const subscription = consumer.subscribe(
          sent.partitionId,
          {
            processEvents: async (events) => {
              if (events.length > 0) {
                await subscription.close();
                resolve(events);
              }
            },
            processError: async (error) => reject(error),
          },
          { startPosition: { sequenceNumber: sent.sequenceNumber, isInclusive: true } },
        );
      });
      expect(Buffer.from(event!.body as Uint8Array).toString('utf8')).toBe('from the dashboard');
      expect(event!.partitionKey).toBe('k1');
    } finally {
      await consumer.close();
    }
    await expect(eh.inspect().send({ hub: 'eh1', body: 'x', partitionId: '9' })).rejects.toThrow(/partitions 0-3/);
    await expect(eh.inspect().send({ hub: 'nope', body: 'x' })).rejects.toThrow(/no hub/);
    await expect(eh.inspect().send({ hub: 'eh1', body: 'x', partitionId: '0', partitionKey: 'k' })).rejects.toThrow(/not both/);
  });
});

describe('event hubs inspector with the Kafka endpoint', () => {
  it('lists a kafkajs consumer group with its member, and no password', async () => {
    const { Kafka, logLevel } = await import('kafkajs');
    const eh = await startEventHubsEmulator({ port: 0, kafkaPort: 0 });
    const kafka = new Kafka({
      clientId: 'dashboard-test',
      brokers: [eh.info().kafka!.bootstrapServers],
      sasl: { mechanism: 'plain', username: '$ConnectionString', password: eh.connectionString },
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: 'dash-group', sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
    try {
      expect(eh.inspect().snapshot().kafka).toEqual({ groups: [] });
      await consumer.connect();
      await consumer.subscribe({ topic: 'eh1' });
      await consumer.run({ eachMessage: async () => {} });
      await vi.waitFor(() => {
        const group = eh.inspect().snapshot().kafka!.groups.find((g) => g.id === 'dash-group');
        expect(group).toMatchObject({ state: 'Stable', memberCount: 1, members: [{ clientId: 'dashboard-test' }] });
      }, 15_000);
      expect(JSON.stringify(eh.inspect().snapshot())).not.toContain('SharedAccessKey');
    } finally {
      await consumer.disconnect();
      await eh.close();
    }
  }, 30_000);
});
