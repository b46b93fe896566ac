import { EventHubConsumerClient, EventHubProducerClient } from '@azure/event-hubs';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../src/emulator/eventhubs/index.js';
import { checkDelivery, collectEvents, EVENT_COUNT, greedy, sendMixedWorkload } from './eventhubs-helpers.js';

// @azure/event-hubs 6 over AMQP/WebSocket. The SDK always builds wss://<host>:<port>/$servicebus/websocket
// (note §8); the emulator serves it on the same port as AMQP/TCP, with TLS when started with `tls`.
// For plain ws:// an application passes a WebSocket class that rewrites the scheme (docs/eventhubs-emulator.md).

class PlainWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[], options?: WebSocket.ClientOptions) {
    super(String(url).replace(/^wss:/, 'ws:'), protocols, options);
  }
}

let emulator: RunningEventHubsEmulator;
const transports: string[] = [];
const takeTransports = (): string[] => transports.splice(0);

beforeAll(async () => {
  emulator = await startEventHubsEmulator({
    tls: true,
    log: (line) => {
      const match = /accepted an AMQP connection over (\w+)/.exec(line);
      if (match) transports.push(match[1]!);
    },
    config: { hubs: [{ name: 'ws-hub', partitionCount: 3 }, { name: 'wss-hub', partitionCount: 3 }] },
  });
});

afterAll(async () => {
  await emulator?.close();
});

describe('@azure/event-hubs over WebSocket', () => {
  test('wss:// (TLS on the AMQP port): 10,000 events, properties', { timeout: 60_000 }, async () => {
    const webSocketOptions = { webSocket: WebSocket, webSocketConstructorOptions: { ca: emulator.certificate } };
    const producer = new EventHubProducerClient(emulator.connectionString, 'wss-hub', { webSocketOptions });
    const consumer = new EventHubConsumerClient('$Default', emulator.connectionString, 'wss-hub', { webSocketOptions, ...greedy });
    try {
      expect((await producer.getEventHubProperties()).partitionIds).toEqual(['0', '1', '2']);
      const sent = await sendMixedWorkload(producer, ['0', '1', '2']);
      const received = await collectEvents(consumer, EVENT_COUNT);
      const byPartition = checkDelivery(sent, received);
      for (const [id, events] of byPartition) {
        expect((await consumer.getPartitionProperties(id)).lastEnqueuedSequenceNumber).toBe(events.length - 1);
      }
      expect(new Set(takeTransports())).toEqual(new Set(['wss']));
    } finally {
      await producer.close();
      await consumer.close();
    }
  });

  test('ws:// through a scheme-rewriting WebSocket class: 10,000 events', { timeout: 60_000 }, async () => {
    const webSocketOptions = { webSocket: PlainWebSocket };
    const producer = new EventHubProducerClient(emulator.connectionString, 'ws-hub', { webSocketOptions });
    const consumer = new EventHubConsumerClient('$Default', emulator.connectionString, 'ws-hub', { webSocketOptions, ...greedy });
    try {
      const sent = await sendMixedWorkload(producer, await producer.getPartitionIds());
      checkDelivery(sent, await collectEvents(consumer, EVENT_COUNT));
      expect(new Set(takeTransports())).toEqual(new Set(['ws']));
    } finally {
      await producer.close();
      await consumer.close();
    }
  });
});
