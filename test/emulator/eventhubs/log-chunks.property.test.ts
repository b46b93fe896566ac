import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, expect, test } from 'vitest';
import { FilePartitionLog } from '../../../src/emulator/eventhubs/log/file-log.js';
import { MemoryPartitionLog, type PartitionLog, type StoredEvent } from '../../../src/emulator/eventhubs/log/memory-log.js';
import { message } from './amqp-messages.js';
import { envelopeBatch } from './segment-batches.js';

// The partition log keeps each append as one chunk (log/event-chunk.ts) and answers per event.
// Property: after any appends (batches of any size, keys shared or mixed, times that repeat) and
// any retention cut, every lookup answers as a flat list of events would; a file log reopened
// from its segments (one record per append, one chunk per record on load) answers the same.

const directories: string[] = [];
afterAll(() => directories.forEach((directory) => rmSync(directory, { recursive: true, force: true })));

const appendArb = fc.record({
  events: fc.array(fc.record({ length: fc.nat({ max: 40 }), key: fc.option(fc.constantFrom('a', 'b', 'ключ'), { nil: undefined }) }), { minLength: 1, maxLength: 30 }),
  later: fc.nat({ max: 3 }),
});

function model(appends: Array<{ events: Array<{ length: number; key: string | undefined }>; later: number }>): StoredEvent[] {
  const flat: StoredEvent[] = [];
  let time = 1_000;
  let offset = 0;
  for (const { events, later } of appends) {
    time += later;
    for (const { length, key } of events) {
      const message = new Uint8Array(length).fill(flat.length & 0xff);
      flat.push({ sequenceNumber: flat.length, offset, enqueuedTime: time, message, ...(key === undefined ? {} : { partitionKey: key }) });
      offset += length;
    }
  }
  return flat;
}

function fill(log: PartitionLog, flat: StoredEvent[]): void {
  let index = 0;
  while (index < flat.length) {
    const time = flat[index]!.enqueuedTime;
    const batch: StoredEvent[] = [];
    while (index < flat.length && flat[index]!.enqueuedTime === time) batch.push(flat[index++]!);
    // Appended from a buffer the caller then reuses: the log must hold its own copy.
    const sources = batch.map((event) => Uint8Array.from(event.message));
    log.append(batch.map((event, i) => ({ message: sources[i]!, ...(event.partitionKey === undefined ? {} : { partitionKey: event.partitionKey }) })), time);
    for (const source of sources) source.fill(0xee);
  }
}

function check(log: PartitionLog, flat: StoredEvent[], cutoff: number): void {
  const kept = flat.filter((event) => event.enqueuedTime >= cutoff);
  const plain = (event: StoredEvent | undefined) => event && { ...event, message: Array.from(event.message) };
  expect(log.firstSequenceNumber).toBe(kept[0]?.sequenceNumber ?? flat.length);
  expect(log.nextSequenceNumber).toBe(flat.length);
  expect(plain(log.last())).toEqual(plain(kept.at(-1)));
  for (let n = 0; n <= flat.length; n++) {
    expect(plain(log.get(n))).toEqual(plain(kept.find((event) => event.sequenceNumber === n)));
    expect(plain(log.atOrAfter(n))).toEqual(plain(kept.find((event) => event.sequenceNumber >= n)));
  }
  const offsets = [...new Set(flat.flatMap((event) => [event.offset - 1, event.offset, event.offset + 1]))];
  for (const offset of offsets) {
    for (const inclusive of [true, false]) {
      const expected = kept.find((event) => (inclusive ? event.offset >= offset : event.offset > offset));
      expect(log.seekOffset(offset, inclusive)).toBe(expected?.sequenceNumber ?? flat.length);
    }
  }
  for (const time of new Set(flat.map((event) => event.enqueuedTime))) {
    for (const inclusive of [true, false]) {
      const expected = kept.find((event) => (inclusive ? event.enqueuedTime >= time : event.enqueuedTime > time));
      expect(log.seekTime(time, inclusive)).toBe(expected?.sequenceNumber ?? flat.length);
    }
  }
}

test('chunked memory and file logs answer every lookup as a flat list of events would, before and after a restart', () => {
  fc.assert(
    fc.property(fc.array(appendArb, { minLength: 1, maxLength: 8 }), fc.nat({ max: 30 }), (appends, cut) => {
      const flat = model(appends);
      const cutoff = 1_000 + cut;
      const memory = new MemoryPartitionLog();
      fill(memory, flat);
      const dropped = memory.expireBefore(cutoff);
      expect(dropped).toBe(flat.filter((event) => event.enqueuedTime < cutoff).length);
      check(memory, flat, cutoff);

      const directory = mkdtempSync(join(tmpdir(), 'eh-chunks-'));
      directories.push(directory);
      // A read cache smaller than most chunks: lookups read the segment files back again and again.
      const file = new FilePartitionLog(directory, 0, { fsync: 'never', segmentBytes: 2_000, readCacheBytes: 64 });
      fill(file, flat);
      check(file, flat, 0);
      file.close();
      const reopened = new FilePartitionLog(directory, cutoff, { fsync: 'never', segmentBytes: 2_000 });
      check(reopened, flat, cutoff);
      reopened.close();
    }),
    { numRuns: 60 },
  );
});

test('an event read twice is the same object (readers that cache per event rely on it)', () => {
  const log = new MemoryPartitionLog();
  log.append([{ message: new Uint8Array([1]) }, { message: new Uint8Array([2]) }], 1);
  expect(log.get(1)).toBe(log.get(1));
  expect(log.atOrAfter(1)).toBe(log.get(1));
});

test('producer batch envelopes (one record each, scanned again on load) read back from a file log as the memory log keeps them', () => {
  const batchArb = fc.record({ events: fc.array(message, { minLength: 1, maxLength: 6 }), key: fc.option(fc.constantFrom('a', 'ключ'), { nil: undefined }) });
  fc.assert(
    fc.property(fc.array(batchArb, { minLength: 1, maxLength: 6 }), (batches) => {
      const memory = new MemoryPartitionLog();
      const directory = mkdtempSync(join(tmpdir(), 'eh-envelopes-'));
      directories.push(directory);
      const file = new FilePartitionLog(directory, 0, { fsync: 'never', readCacheBytes: 64 });
      batches.forEach(({ events, key }, i) => {
        memory.appendBatch(envelopeBatch(events, key), 1_000 + i);
        file.appendBatch(envelopeBatch(events, key), 1_000 + i);
      });
      file.close();
      const reopened = new FilePartitionLog(directory, 0, { fsync: 'never' });
      const plain = (event: StoredEvent | undefined) => event && { ...event, message: Array.from(event.message) };
      expect(reopened.nextSequenceNumber).toBe(memory.nextSequenceNumber);
      for (let n = 0; n < memory.nextSequenceNumber; n++) expect(plain(reopened.get(n))).toEqual(plain(memory.get(n)));
      reopened.close();
    }),
    { numRuns: 60 },
  );
});
