import { indexEntries } from './arena.js';

// What the partition log stores and hands out (docs/protocol/eventhubs.md §6.2).

export interface StoredEvent {
  sequenceNumber: number;
  /** Byte position of the event in the partition; sent as a decimal string `x-opt-offset`. */
  offset: number;
  /** ms since the epoch. */
  enqueuedTime: number;
  partitionKey?: string;
  /** The producer's encoded AMQP message, byte for byte. */
  message: Uint8Array;
}

export interface NewEvent {
  partitionKey?: string;
  message: Uint8Array;
}

/**
 * Events to append as they arrived: one byte region holding every message (for a batch transfer,
 * the transfer's own bytes), so nothing is copied or allocated per event. `index` holds, from
 * `indexAt`, where each event starts in `bytes` (count entries), then the running total of the
 * message lengths from 0 (count + 1 entries).
 */
export interface EventBatch {
  bytes: Uint8Array;
  count: number;
  index: Uint32Array;
  indexAt: number;
  /** One key for every event, or a key per event. */
  keys: string | Array<string | undefined> | undefined;
}

/** The newest event's numbers, kept even once retention dropped it. */
export type EventPosition = Omit<StoredEvent, 'message' | 'partitionKey'>;

/** An empty batch index for `count` events: fill starts at [at + i], totals at [at + count + i]. */
export function batchIndex(count: number): { block: Uint32Array; at: number } {
  return indexEntries(2 * count + 1);
}

/** A batch of separately held messages (Kafka produce, the dashboard, tests): copied into one region. */
export function batchOf(events: readonly NewEvent[]): EventBatch {
  const count = events.length;
  const { block: index, at } = batchIndex(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    index[at + i] = total;
    total += events[i]!.message.byteLength;
    index[at + count + i + 1] = total;
  }
  let bytes: Uint8Array;
  if (count === 1) {
    bytes = events[0]!.message;
  } else {
    bytes = new Uint8Array(total);
    for (let i = 0; i < count; i++) bytes.set(events[i]!.message, index[at + i]!);
  }
  return { bytes, count, index, indexAt: at, keys: keysOf(events.map((event) => event.partitionKey)) };
}

/** `undefined` when no event has a key, the key when all share one, else the list. */
export function keysOf(keys: Array<string | undefined>): EventBatch['keys'] {
  const first = keys[0];
  for (let i = 1; i < keys.length; i++) if (keys[i] !== first) return keys;
  return first;
}
