import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { batchOf } from '../../../src/emulator/eventhubs/log/events.js';
import { decodeRecords, encodeRecord, FilePartitionLog } from '../../../src/emulator/eventhubs/log/file-log.js';
import { SEGMENT_HEADER } from '../../../src/emulator/eventhubs/log/segment-codec.js';
import { MemoryPartitionLog, type PartitionLog } from '../../../src/emulator/eventhubs/log/memory-log.js';

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

async function scratch(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'eh-log-'));
  directories.push(directory);
  return directory;
}

const bytes = (text: string) => new TextEncoder().encode(text);

function fill(log: PartitionLog): void {
  log.append([{ message: bytes('aaaa') }, { message: bytes('bb'), partitionKey: 'k' }], 1_000);
  log.append([{ message: bytes('cccccc') }], 2_000);
  log.append([{ message: bytes('d') }], 3_000);
}

describe.each([
  ['memory', async () => new MemoryPartitionLog()],
  ['file', async () => new FilePartitionLog(await scratch(), 0)],
])('%s partition log', (_name, create) => {
  test('numbers events from 0 with byte offsets', async () => {
    const log = await create();
    fill(log);
    expect([0, 1, 2, 3].map((n) => [log.get(n)!.sequenceNumber, log.get(n)!.offset])).toEqual([[0, 0], [1, 4], [2, 6], [3, 12]]);
    expect(log.get(1)!.partitionKey).toBe('k');
    expect(log.get(4)).toBeUndefined();
    expect(log.nextSequenceNumber).toBe(4);
    expect(log.last()!.sequenceNumber).toBe(3);
    log.close();
  });

  test('seeks by offset and time, inclusive and exclusive', async () => {
    const log = await create();
    fill(log);
    expect(log.seekOffset(4, false)).toBe(2);
    expect(log.seekOffset(4, true)).toBe(1);
    expect(log.seekOffset(5, true)).toBe(2); // between two events: the next one
    expect(log.seekOffset(99, false)).toBe(4); // past the end: the next event to come
    expect(log.seekTime(1_000, false)).toBe(2);
    expect(log.seekTime(1_000, true)).toBe(0);
    expect(log.seekTime(9_999, false)).toBe(4);
    log.close();
  });

  test('retention drops old events but keeps numbering', async () => {
    const log = await create();
    fill(log);
    expect(log.expireBefore(2_500)).toBe(3);
    expect(log.firstSequenceNumber).toBe(3);
    expect(log.get(2)).toBeUndefined();
    expect(log.get(3)!.offset).toBe(12);
    expect(log.append([{ message: bytes('e') }], 4_000)[0]!.sequenceNumber).toBe(4);
    log.close();
  });
});

describe('file log on disk', () => {
  test('reopening serves the same events and continues the numbering', async () => {
    const directory = await scratch();
    const log = new FilePartitionLog(directory, 0);
    fill(log);
    log.close();
    const again = new FilePartitionLog(directory, 0);
    expect(again.get(2)).toEqual({ sequenceNumber: 2, offset: 6, enqueuedTime: 2_000, message: bytes('cccccc') });
    expect(again.get(1)!.partitionKey).toBe('k');
    expect(again.append([{ message: bytes('e') }], 5_000)[0]).toMatchObject({ sequenceNumber: 4, offset: 13 });
    again.close();
  });

  test('a torn last record is cut off; everything before it survives', async () => {
    const directory = await scratch();
    const log = new FilePartitionLog(directory, 0);
    fill(log);
    log.close();
    const [segment] = await readdir(directory);
    const path = join(directory, segment!);
    await truncate(path, (await stat(path)).size - 2);
    const again = new FilePartitionLog(directory, 0);
    expect(again.nextSequenceNumber).toBe(3);
    expect(again.last()!.message).toEqual(bytes('cccccc'));
    again.close();
  });

  test('a flipped byte fails the checksum of the append holding it only (both its events); later appends still decode', async () => {
    const directory = await scratch();
    const log = new FilePartitionLog(directory, 0);
    fill(log);
    log.close();
    const [segment] = await readdir(directory);
    const path = join(directory, segment!);
    const data = await readFile(path);
    const firstAppend = encodeRecord({ firstSequenceNumber: 0, firstOffset: 0, enqueuedTime: 1_000 }, batchOf([{ message: bytes('aaaa') }, { message: bytes('bb'), partitionKey: 'k' }]));
    expect(data.subarray(SEGMENT_HEADER.length, SEGMENT_HEADER.length + firstAppend.length)).toEqual(firstAppend);
    data[SEGMENT_HEADER.length + firstAppend.length - 3] ^= 0xff; // inside the first append's messages
    await writeFile(path, data);
    expect(decodeRecords(data).events.map((event) => event.sequenceNumber)).toEqual([2, 3]);
  });

  test('events already past retention at load are skipped, numbering continues after them', async () => {
    const directory = await scratch();
    const log = new FilePartitionLog(directory, 0);
    fill(log);
    log.close();
    const again = new FilePartitionLog(directory, 2_500);
    expect(again.firstSequenceNumber).toBe(3);
    expect(again.nextSequenceNumber).toBe(4);
    again.close();
  });
});
