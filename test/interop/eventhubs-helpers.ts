import {
  earliestEventPosition,
  type EventHubConsumerClient,
  type EventHubProducerClient,
  type ReceivedEventData,
  type SubscribeOptions,
} from '@azure/event-hubs';
import { expect } from 'vitest';

// Shared by the Event Hubs interop tests: a mixed 10,000-event workload through the official
// producer and a collecting `subscribe` through the official consumer.

export interface SentEvent {
  n: number;
  /** Position in the order the producer sent it. */
  order?: number;
  kind: 'round-robin' | 'keyed' | 'partition';
  key?: string;
  partitionId?: string;
}

export const EVENT_COUNT = 10_000;
export { greedy } from '../shared/eventhubs/helpers.js';
const PER_BATCH = 400;

/** 4,000 events to the hub (the service picks), 3,000 with 30 partition keys, 3,000 to explicit partitions. */
export async function sendMixedWorkload(producer: EventHubProducerClient, partitionIds: string[], total = EVENT_COUNT): Promise<SentEvent[]> {
  const plan: SentEvent[] = [];
  const roundRobin = Math.round(total * 0.4);
  const keyed = Math.round(total * 0.3);
  for (let n = 0; n < total; n++) {
    if (n < roundRobin) plan.push({ n, kind: 'round-robin' });
    else if (n < roundRobin + keyed) plan.push({ n, kind: 'keyed', key: `device-${n % 30}` });
    else plan.push({ n, kind: 'partition', partitionId: partitionIds[n % partitionIds.length]! });
  }
  const groups = new Map<string, SentEvent[]>();
  for (const event of plan) {
    const group = event.kind === 'keyed' ? `key:${event.key}` : event.kind === 'partition' ? `p:${event.partitionId}` : 'rr';
    groups.set(group, [...(groups.get(group) ?? []), event]);
  }
  let order = 0;
  for (const events of groups.values()) for (const event of events) event.order = order++;
  for (const [group, events] of groups) {
    for (let start = 0; start < events.length; start += PER_BATCH) {
      const slice = events.slice(start, start + PER_BATCH);
      const batch = await producer.createBatch(
        group.startsWith('key:') ? { partitionKey: slice[0]!.key! } : group.startsWith('p:') ? { partitionId: slice[0]!.partitionId! } : {},
      );
      for (const event of slice) {
        const added = batch.tryAdd({ body: { n: event.n, order: event.order, kind: event.kind }, properties: { n: event.n, kind: event.kind } });
        expect(added, `event ${event.n} fits in its batch`).toBe(true);
      }
      await producer.sendBatch(batch);
    }
  }
  return plan;
}

export function collectEvents(
  consumer: EventHubConsumerClient,
  expected: number,
  options: SubscribeOptions = {},
  timeoutMs = 50_000,
): Promise<ReceivedEventData[]> {
  const received: ReceivedEventData[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void subscription.close();
      reject(new Error(`received ${received.length} of ${expected} events before the timeout`));
    }, timeoutMs);
    const subscription = consumer.subscribe(
      {
        processEvents: async (events, context) => {
          for (const event of events) received.push(Object.assign(event, { partitionIdSeen: context.partitionId }));
          if (received.length >= expected) {
            clearTimeout(timer);
            await subscription.close();
            resolve(received);
          }
        },
        processError: async (error) => {
          clearTimeout(timer);
          await subscription.close();
          reject(error);
        },
      },
      { startPosition: earliestEventPosition, maxBatchSize: 500, maxWaitTimeInSeconds: 1, ...options },
    );
  });
}

export function partitionOf(event: ReceivedEventData): string {
  return (event as ReceivedEventData & { partitionIdSeen: string }).partitionIdSeen;
}

/** Every sent event once; per partition, sequence numbers 0..n-1 and the producer's send order. */
export function checkDelivery(sent: SentEvent[], received: ReceivedEventData[]): Map<string, ReceivedEventData[]> {
  const seen = received.map((event) => (event.body as { n: number }).n).sort((a, b) => a - b);
  expect(seen).toEqual(sent.map((event) => event.n));
  const byPartition = new Map<string, ReceivedEventData[]>();
  for (const event of received) byPartition.set(partitionOf(event), [...(byPartition.get(partitionOf(event)) ?? []), event]);
  for (const [, events] of byPartition) {
    expect(events.map((event) => event.sequenceNumber)).toEqual(events.map((_, index) => index));
    const order = events.map((event) => (event.body as { order: number }).order);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  }
  for (const event of sent) {
    if (event.kind !== 'partition') continue;
    const got = received.find((candidate) => (candidate.body as { n: number }).n === event.n)!;
    expect(partitionOf(got)).toBe(event.partitionId);
  }
  return byPartition;
}
