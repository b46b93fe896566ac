import type { EventHubConsumerClient, EventHubProducerClient, EventPosition, ReceivedEventData } from '@azure/event-hubs';
import { afterAll, inject } from 'vitest';
import { parseEventHubsConnectionString } from '../../../src/core/connection-string.js';

// Shared by the Event Hubs tests that run in Node (TCP) and in Chromium (ws://): the emulator the
// global setup started, a run id so tests on the shared hub only count their own events, and a
// start position right after what each partition already holds.

export const connectionString = inject('emulator').eventhubs?.connectionString as string;
export const hub = 'eh1';
export const parsed = parseEventHubsConnectionString(connectionString);
export const namespace = `${parsed.host}:${parsed.port}`;
export const noRetry = { retryOptions: { maxRetries: 0, timeoutInMs: 5000 } };
export const inBrowser = typeof (globalThis as { document?: unknown }).document !== 'undefined';
/** Consumer-client options that claim every partition within a second (the SDK's loop claims one per 10 s). */
export const greedy = { loadBalancingOptions: { strategy: 'greedy' as const, updateIntervalInMs: 250 } };

/** A `track(client)` that closes every tracked client after the file's tests. */
export function closeAfterAll(): <T extends { close(): Promise<void> }>(client: T) => T {
  const clients: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
  });
  return (client) => {
    clients.push(client);
    return client;
  };
}

export function runId(): string {
  return `run-${Math.random().toString(36).slice(2, 10)}`;
}

export async function positionsAfterNow(client: EventHubProducerClient | EventHubConsumerClient): Promise<Record<string, EventPosition>> {
  const positions: Record<string, EventPosition> = {};
  for (const id of await client.getPartitionIds()) {
    const properties = await client.getPartitionProperties(id);
    positions[id] = properties.isEmpty ? { sequenceNumber: -1, isInclusive: false } : { sequenceNumber: properties.lastEnqueuedSequenceNumber, isInclusive: false };
  }
  return positions;
}

/**
 * Subscribes to every partition and resolves once `count` events tagged with `run` arrived (or
 * rejects on the first error); with `checkpoint`, checkpoints the last event of every batch.
 */
export function receiveTagged(
  consumer: EventHubConsumerClient,
  run: string,
  count: number,
  startPosition: EventPosition | Record<string, EventPosition>,
  options: { checkpoint?: boolean } = {},
): { done: Promise<ReceivedEventData[]>; close: () => Promise<void> } {
  const seen: ReceivedEventData[] = [];
  let finish!: (events: ReceivedEventData[]) => void;
  let fail!: (error: Error) => void;
  const done = new Promise<ReceivedEventData[]>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const subscription = consumer.subscribe(
    {
      processEvents: async (events, context) => {
        for (const event of events) if (event.properties?.run === run) seen.push(event);
        if (options.checkpoint && events.length > 0) await context.updateCheckpoint(events[events.length - 1]!);
        if (seen.length >= count) finish(seen);
      },
      processError: async (error) => fail(error),
    },
    { startPosition, maxWaitTimeInSeconds: 1 },
  );
  return { done, close: () => subscription.close() };
}

/** receiveTagged, then the subscription closed. */
export async function readTagged(...args: Parameters<typeof receiveTagged>): Promise<ReceivedEventData[]> {
  const receiving = receiveTagged(...args);
  try {
    return await receiving.done;
  } finally {
    await receiving.close();
  }
}
