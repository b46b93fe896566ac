import fc from 'fast-check';
import { expect, test } from 'vitest';
import { batchOf, type EventBatch } from '../../../src/emulator/eventhubs/log/events.js';
import type { StoredEvent } from '../../../src/emulator/eventhubs/log/memory-log.js';
import { encodeRecord, eventsOf, scanSegment, SEGMENT_HEADER } from '../../../src/emulator/eventhubs/log/segment-codec.js';
import { message, text } from './amqp-messages.js';
import { envelopeBatch } from './segment-batches.js';

// A segment holds one record per append (log/segment-codec.ts). Property: any single damaged byte
// after the file header costs exactly the append holding it; every other append is read back, in
// order, with its own numbers, offsets, keys and bytes.

const RUNS = Number(process.env.RELIABILITY_LONG === '1' ? 20_000 : 300);
/** The long runs (scripts/test-reliability.mjs) take about a minute on a loaded machine. */
const timeout = RUNS > 1_000 ? 600_000 : undefined;

const key = fc.option(text.map((value) => value.slice(0, 20)), { nil: undefined });
/** A producer's batch envelope, or messages appended one by one (Kafka produce, a format-0 send). */
const appendArb = fc.oneof(
  fc.record({ events: fc.array(message, { minLength: 1, maxLength: 6 }), key }).map(({ events, key }) => envelopeBatch(events, key)),
  fc.array(fc.record({ message: fc.uint8Array({ maxLength: 300 }), partitionKey: key }), { minLength: 1, maxLength: 6 }).map((events) =>
    batchOf(events.map(({ message, partitionKey }) => (partitionKey === undefined ? { message } : { message, partitionKey }))),
  ),
);

const plain = (event: StoredEvent) => ({ ...event, message: Buffer.from(event.message) });

function written(batches: EventBatch[], firstNumber: number): { data: Buffer; ends: number[]; events: StoredEvent[][] } {
  let sequenceNumber = firstNumber;
  let offset = 0;
  const records: Buffer[] = [SEGMENT_HEADER];
  const ends: number[] = [];
  const events: StoredEvent[][] = [];
  let end = SEGMENT_HEADER.length;
  for (const [i, batch] of batches.entries()) {
    const fields = { firstSequenceNumber: sequenceNumber, firstOffset: offset, enqueuedTime: 1_700_000_000_000 + i };
    const record = encodeRecord(fields, batch);
    records.push(record);
    ends.push((end += record.length));
    const loaded = scanSegment(Buffer.concat([SEGMENT_HEADER, record]), sequenceNumber - 1).records;
    expect(loaded).toHaveLength(1);
    events.push(eventsOf(loaded[0]!).map(plain));
    sequenceNumber += batch.count;
    offset += events.at(-1)!.reduce((sum, event) => sum + event.message.length, 0);
  }
  return { data: Buffer.concat(records), ends, events };
}

test('an append reads back as its events: numbers, offsets, keys and bytes', { timeout }, () => {
  fc.assert(
    fc.property(appendArb, (batch) => {
      const { events } = written([batch], 0);
      const { bytes, count, index, indexAt: at, keys } = batch;
      expect(events[0]).toEqual(
        Array.from({ length: count }, (_, i) => {
          const partitionKey = typeof keys === 'object' ? keys[i] : keys;
          return {
            sequenceNumber: i,
            offset: index[at + count + i]!,
            enqueuedTime: 1_700_000_000_000,
            message: Buffer.from(bytes.subarray(index[at + i]!, index[at + i]! + index[at + count + i + 1]! - index[at + count + i]!)),
            ...(partitionKey === undefined ? {} : { partitionKey }),
          };
        }),
      );
    }),
    { numRuns: RUNS },
  );
});

test('one damaged byte anywhere loses only the append that holds it', { timeout }, () => {
  fc.assert(
    fc.property(fc.array(appendArb, { minLength: 1, maxLength: 8 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(1000), (batches, where, mask, firstNumber) => {
      const { data, ends, events } = written(batches, firstNumber);
      const position = SEGMENT_HEADER.length + (where % (data.length - SEGMENT_HEADER.length));
      data[position] = data[position]! ^ mask;
      const damaged = ends.findIndex((end) => end > position);
      const scan = scanSegment(data, firstNumber - 1);
      expect(scan.records.flatMap(eventsOf).map(plain)).toEqual(events.filter((_, i) => i !== damaged).flat());
      // Numbering continues past every number written, unless the damage made the last record look
      // torn (cut: an incomplete record was never acknowledged, so its numbers were never handed out).
      const total = firstNumber + batches.reduce((sum, batch) => sum + batch.count, 0);
      const lastLooksTorn = damaged === batches.length - 1 && scan.validBytes < data.length;
      expect(scan.nextSequenceNumber).toBeGreaterThanOrEqual(lastLooksTorn ? total - batches.at(-1)!.count : total);
    }),
    { numRuns: RUNS },
  );
});
