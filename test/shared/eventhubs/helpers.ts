import type { EventHubConsumerClient, EventHubProducerClient, EventPosition, ReceivedEventData } from '@azure/event-hubs';
import { inject } from 'vitest';
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

/** Subscribes to every partition and resolves once `count` events tagged with `run` arrived (or rejects on the first error). */
export function receiveTagged(
  consumer: EventHubConsumerClient,
  run: string,
  count: number,
  startPosition: Record<string, EventPosition>,
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
      processEvents: async (events) => {
        for (const event of events) if (event.properties?.run === run) seen.push(event);
        if (seen.length >= count) finish(seen);
      },
      processError: async (error) => fail(error),
    },
    { startPosition, maxWaitTimeInSeconds: 1 },
  );
  return { done, close: () => subscription.close() };
}
