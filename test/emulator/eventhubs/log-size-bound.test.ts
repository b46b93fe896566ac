import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventHubConsumerClient, EventHubProducerClient, type ReceivedEventData } from '@azure/event-hubs';
import { afterEach, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/index.js';
import { FilePartitionLog } from '../../../src/emulator/eventhubs/log/file-log.js';
import { MemoryPartitionLog, type PartitionLog } from '../../../src/emulator/eventhubs/log/memory-log.js';

// limits.maxLogBytesPerPartition: past it the oldest events go as time retention drops them, so an
// authorized producer cannot grow the emulator's memory without end.

const EVENT_BYTES = 1000;
const LIMIT = 10_000;

function message(n: number): Uint8Array {
  const bytes = new Uint8Array(EVENT_BYTES);
  bytes[0] = n & 0xff;
  bytes[1] = n >> 8;
  return bytes;
}

function numberOf(bytes: Uint8Array): number {
  return bytes[0]! | (bytes[1]! << 8);
}

/** What a reader from "earliest" sees: every retained event, in order. */
function readFromEarliest(log: PartitionLog): number[] {
  const seen: number[] = [];
  for (let event = log.atOrAfter(log.firstSequenceNumber); event; event = log.atOrAfter(event.sequenceNumber + 1)) seen.push(numberOf(event.message));
  return seen;
}

function fill(log: PartitionLog, count: number): void {
  for (let n = 0; n < count; n++) log.append([{ message: message(n) }], 1_000 + n);
}

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

test('the memory log keeps at most maxBytes of messages, dropping the oldest', () => {
  const log = new MemoryPartitionLog(undefined, LIMIT);
  fill(log, 100);
  expect(log.retainedBytes).toBeLessThanOrEqual(LIMIT);
  expect(log.firstSequenceNumber).toBe(90);
  expect(log.nextSequenceNumber).toBe(100);
  expect(readFromEarliest(log)).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
  // A reader positioned before the beginning continues from it, as after retention.
  expect(log.atOrAfter(5)?.sequenceNumber).toBe(90);
});

test('one append larger than maxBytes is kept alone, so it can still be read', () => {
  const log = new MemoryPartitionLog(undefined, LIMIT);
  fill(log, 3);
  log.append(Array.from({ length: 20 }, (_, i) => ({ message: message(100 + i) })), 5_000);
  expect(log.firstSequenceNumber).toBe(3);
  expect(readFromEarliest(log)).toHaveLength(20);
});

test('the file log bounds memory the same way and keeps the bound after a restart', () => {
  const directory = mkdtempSync(join(tmpdir(), 'eh-size-bound-'));
  directories.push(directory);
  const log = new FilePartitionLog(directory, 0, { maxBytes: LIMIT, segmentBytes: 4096 });
  fill(log, 100);
  expect(log.retainedBytes).toBeLessThanOrEqual(LIMIT);
  expect(log.firstSequenceNumber).toBe(90);
  log.close();
  expect(readdirSync(directory).length).toBeGreaterThan(1);
  const reopened = new FilePartitionLog(directory, 0, { maxBytes: LIMIT, segmentBytes: 4096 });
  expect(reopened.retainedBytes).toBeLessThanOrEqual(LIMIT);
  expect(reopened.nextSequenceNumber).toBe(100);
  expect(readFromEarliest(reopened)).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
  reopened.close();
});

let emulator: RunningEventHubsEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

test('an SDK reader from earliest gets the newest events in order once the bound dropped the oldest', async () => {
  emulator = await startEventHubsEmulator({ config: { hubs: [{ name: 'bounded', partitionCount: 1 }] }, limits: { maxLogBytesPerPartition: 20_000 } });
  const producer = new EventHubProducerClient(emulator.connectionString, 'bounded');
  const body = 'x'.repeat(1500);
  for (let n = 0; n < 40; n++) await producer.sendBatch([{ body: `${n}:${body}` }], { partitionId: '0' });
  const properties = await producer.getPartitionProperties('0');
  expect(properties.beginningSequenceNumber).toBeGreaterThan(0);
  expect(properties.lastEnqueuedSequenceNumber).toBe(39);
  const retained = 40 - properties.beginningSequenceNumber;
  const consumer = new EventHubConsumerClient('$Default', emulator.connectionString, 'bounded');
  const received: ReceivedEventData[] = [];
  await new Promise<void>((resolve, reject) => {
    const subscription = consumer.subscribe(
      '0',
      {
        processEvents: async (batch) => {
          received.push(...batch);
          if (received.length >= retained) {
            await subscription.close();
            resolve();
          }
        },
        processError: async (error) => reject(error),
      },
      { startPosition: { sequenceNumber: 0, isInclusive: true }, maxWaitTimeInSeconds: 1 },
    );
  });
  await Promise.all([producer.close(), consumer.close()]);
  expect(received.map((event) => event.sequenceNumber)).toEqual(Array.from({ length: retained }, (_, i) => properties.beginningSequenceNumber + i));
  expect(received.map((event) => String(event.body).split(':')[0])).toEqual(Array.from({ length: retained }, (_, i) => String(properties.beginningSequenceNumber + i)));
});
