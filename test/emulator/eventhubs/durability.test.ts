import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import { batchOf } from '../../../src/emulator/eventhubs/log/events.js';
import { encodeRecord, FilePartitionLog } from '../../../src/emulator/eventhubs/log/file-log.js';
import { SEGMENT_HEADER } from '../../../src/emulator/eventhubs/log/segment-codec.js';
import { amqpMessage, envelopeBatch } from './segment-batches.js';

// Issue 10 finding 11: what a damaged `--data-dir` segment costs. A segment holds one record per
// append (log/segment-codec.ts): one flipped byte in the middle must cost that append only (here
// mostly one-event appends, so one event); numbering must never go back; only a torn tail is cut.

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

async function scratch(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'eh-durable-'));
  directories.push(directory);
  return directory;
}

const body = (n: number) => new TextEncoder().encode(`event-${String(n).padStart(4, '0')}`);
const record = (sequenceNumber: number, message: Uint8Array) =>
  encodeRecord({ firstSequenceNumber: sequenceNumber, firstOffset: 0, enqueuedTime: 1 }, batchOf([{ message }]));
/** A one-event append's record; segments start with the file header. */
const RECORD = record(0, body(0)).length;
const AT = SEGMENT_HEADER.length;
/** A byte inside the message of one-event record `n`. */
const inMessage = (n: number) => AT + (n + 1) * RECORD - 3;

/** A partition log with `count` events (one record each, all the same size) and its only segment. */
async function written(count: number): Promise<{ directory: string; segment: string }> {
  const directory = await scratch();
  const log = new FilePartitionLog(directory, 0, { fsync: 'never' });
  for (let n = 0; n < count; n++) log.append([{ message: body(n) }], 1_000 + n);
  log.close();
  const [name] = await readdir(directory);
  return { directory, segment: join(directory, name!) };
}

async function flipByte(path: string, position: number): Promise<void> {
  const data = await readFile(path);
  data[position] = data[position]! ^ 0x5a;
  await writeFile(path, data);
}

const numbers = (log: FilePartitionLog, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => log.get(from + i)?.sequenceNumber).filter((n) => n !== undefined);

describe('mid-segment corruption', () => {
  test('a flipped byte inside record 50 of 100 loses record 50 only, logged with its sequence range', async () => {
    const { directory, segment } = await written(100);
    await flipByte(segment, inMessage(50));
    const lines: string[] = [];
    const log = new FilePartitionLog(directory, 0, { log: (line) => lines.push(line) });
    expect(numbers(log, 0, 100)).toEqual([...Array(100).keys()].filter((n) => n !== 50));
    expect(Buffer.from(log.get(99)!.message).toString()).toBe('event-0099');
    expect(log.get(50)).toBeUndefined();
    expect(log.atOrAfter(50)!.sequenceNumber).toBe(51);
    // A time or offset seek into the gap lands on the next intact event.
    expect(log.seekOffset(log.get(49)!.offset, false)).toBe(51);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('after #49 up to before #51');
    // The damaged bytes stay on disk; nothing after them was cut.
    expect((await stat(segment)).size).toBe(AT + 100 * RECORD);
    log.close();
  });

  test('a damaged length field (the record cannot even be delimited) still resyncs on the next valid record', async () => {
    const { directory, segment } = await written(40);
    await flipByte(segment, AT + 10 * RECORD + 1); // the length of record 10
    const log = new FilePartitionLog(directory, 0);
    expect(numbers(log, 0, 40)).toEqual([...Array(40).keys()].filter((n) => n !== 10));
    log.close();
  });

  test('numbering continues past the highest number ever written: no sequence number is reused', async () => {
    const { directory, segment } = await written(100);
    await flipByte(segment, inMessage(50));
    const log = new FilePartitionLog(directory, 0);
    expect(log.nextSequenceNumber).toBe(100);
    expect(log.append([{ message: body(100) }], 9_000)[0]!.sequenceNumber).toBe(100);
    log.close();
    // And again after a second restart, with the damage still on disk.
    const again = new FilePartitionLog(directory, 0);
    expect(again.get(100)!.sequenceNumber).toBe(100);
    expect(again.nextSequenceNumber).toBe(101);
    again.close();
  });

  test('a complete final record with a bad checksum keeps its number reserved', async () => {
    const { directory, segment } = await written(10);
    await flipByte(segment, inMessage(9));
    const log = new FilePartitionLog(directory, 0);
    expect(log.last()!.sequenceNumber).toBe(8);
    expect(log.nextSequenceNumber).toBe(10); // 9 may have been acknowledged: it is not handed out again
    expect(log.append([{ message: body(10) }], 9_000)[0]!.sequenceNumber).toBe(10);
    log.close();
    const again = new FilePartitionLog(directory, 0);
    expect(numbers(again, 0, 11)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 10]);
    again.close();
  });

  test('a later segment is kept whole when an earlier one is damaged, and its name floors the numbering', async () => {
    const directory = await scratch();
    const log = new FilePartitionLog(directory, 0, { segmentBytes: 10 * RECORD });
    for (let n = 0; n < 30; n++) log.append([{ message: body(n) }], 1_000 + n);
    log.close();
    const segments = (await readdir(directory)).sort();
    expect(segments).toHaveLength(3);
    await flipByte(join(directory, segments[0]!), inMessage(5));
    // The newest segment loses every record: its name still says numbering reached 20.
    await writeFile(join(directory, segments[2]!), Buffer.alloc(0));
    const again = new FilePartitionLog(directory, 0, { segmentBytes: 10 * RECORD });
    expect(numbers(again, 0, 30)).toEqual([...Array(20).keys()].filter((n) => n !== 5));
    expect(again.nextSequenceNumber).toBe(20);
    again.close();
  });
});

test('a record-shaped event body ending where its record ends is not taken for the next record', async () => {
  const directory = await scratch();
  const log = new FilePartitionLog(directory, 0, { fsync: 'never' });
  for (let n = 0; n < 3; n++) log.append([{ message: body(n) }], 1_000 + n);
  // Event 3's body is a well-formed record claiming number 4: it ends exactly where event 3's record ends.
  log.append([{ message: new Uint8Array(record(4, body(666))) }], 2_000);
  for (let n = 4; n < 6; n++) log.append([{ message: body(n) }], 3_000 + n);
  log.close();
  const [name] = await readdir(directory);
  await flipByte(join(directory, name!), AT + 3 * RECORD + 26); // event 3's enqueued time: its CRC fails, its length holds
  const again = new FilePartitionLog(directory, 0);
  expect(numbers(again, 0, 6)).toEqual([0, 1, 2, 4, 5]);
  expect(Buffer.from(again.get(4)!.message).toString()).toBe('event-0004');
  again.close();
});

describe('torn tail', () => {
  test('a tail shorter than a record header is cut too', async () => {
    const { directory, segment } = await written(5);
    await truncate(segment, AT + 4 * RECORD + 3);
    const log = new FilePartitionLog(directory, 0);
    expect(numbers(log, 0, 5)).toEqual([0, 1, 2, 3]);
    expect((await stat(segment)).size).toBe(AT + 4 * RECORD);
    log.close();
  });

  test('bytes inside a damaged stretch that merely look like a record far ahead are not taken for one', async () => {
    const directory = await scratch();
    const log = new FilePartitionLog(directory, 0, { fsync: 'never' });
    for (let n = 0; n < 3; n++) log.append([{ message: body(n) }], 1_000 + n);
    // An event whose body is a well-formed record numbered 1,000,000.
    const forged = record(1_000_000, body(9));
    log.append([{ message: new Uint8Array(forged) }], 2_000);
    for (let n = 4; n < 6; n++) log.append([{ message: body(n) }], 3_000 + n);
    log.close();
    const [name] = await readdir(directory);
    await flipByte(join(directory, name!), AT + 3 * RECORD + 1); // the length of the record carrying the forgery
    const again = new FilePartitionLog(directory, 0);
    expect(numbers(again, 0, 6)).toEqual([0, 1, 2, 4, 5]);
    expect(again.nextSequenceNumber).toBe(6);
    again.close();
  });

  test('an incomplete final record is cut; every complete record before it stays', async () => {
    const { directory, segment } = await written(20);
    await truncate(segment, AT + 20 * RECORD - 7);
    const lines: string[] = [];
    const log = new FilePartitionLog(directory, 0, { log: (line) => lines.push(line) });
    expect(numbers(log, 0, 20)).toEqual([...Array(19).keys()]);
    expect(log.nextSequenceNumber).toBe(19);
    expect((await stat(segment)).size).toBe(AT + 19 * RECORD);
    expect(lines.join('\n')).toContain('torn tail');
    // The next append starts a clean record where the torn one began.
    log.append([{ message: body(19) }], 9_000);
    log.close();
    const again = new FilePartitionLog(directory, 0);
    expect(numbers(again, 0, 20)).toEqual([...Array(20).keys()]);
    again.close();
  });
});

describe('a damaged append costs that append: one send or batch, as Kafka drops a damaged record batch', () => {
  /** Where each record of a segment starts, and where the last ends. */
  function recordStarts(data: Buffer): number[] {
    const starts = [AT];
    while (starts.at(-1)! < data.length) starts.push(starts.at(-1)! + 8 + data.readUInt32BE(starts.at(-1)!));
    return starts;
  }

  /** Three producer batches of 100 events (AMQP batch envelopes as they arrive) in one segment. */
  async function threeBatches(): Promise<{ directory: string; segment: string; starts: number[] }> {
    const directory = await scratch();
    const log = new FilePartitionLog(directory, 0, { fsync: 'never' });
    for (let batch = 0; batch < 3; batch++) {
      const events = Array.from({ length: 100 }, (_, i) => amqpMessage(`event-${batch * 100 + i}`));
      log.appendBatch(envelopeBatch(events, `key-${batch}`), 1_000 + batch);
    }
    log.close();
    const [name] = await readdir(directory);
    const segment = join(directory, name!);
    return { directory, segment, starts: recordStarts(await readFile(segment)) };
  }

  const texts = (log: FilePartitionLog, from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => log.get(from + i)).map((event) => event && [event.sequenceNumber, event.partitionKey, Buffer.from(event.message).toString('latin1').includes(`event-${event.sequenceNumber}`)]);

  test('a flipped byte inside the middle batch loses exactly its 100 events and keeps the batches on both sides', async () => {
    const { directory, segment, starts } = await threeBatches();
    expect(starts).toHaveLength(4);
    await flipByte(segment, (starts[1]! + starts[2]!) >> 1); // in the middle of batch 2's events
    const lines: string[] = [];
    const log = new FilePartitionLog(directory, 0, { log: (line) => lines.push(line) });
    expect(texts(log, 0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => [i, 'key-0', true]));
    expect(texts(log, 100, 200)).toEqual(Array(100).fill(undefined));
    expect(texts(log, 200, 300)).toEqual(Array.from({ length: 100 }, (_, i) => [200 + i, 'key-2', true]));
    expect(log.atOrAfter(100)!.sequenceNumber).toBe(200);
    expect(lines).toEqual([expect.stringContaining('after #99 up to before #200')]);
    expect(log.append([{ message: body(300) }], 9_000)[0]!.sequenceNumber).toBe(300);
    log.close();
  });

  test('a damaged final batch keeps all its numbers reserved', async () => {
    const { directory, segment, starts } = await threeBatches();
    await flipByte(segment, starts[3]! - 10); // inside the last event of batch 3
    const log = new FilePartitionLog(directory, 0);
    expect(log.last()!.sequenceNumber).toBe(199);
    expect(log.nextSequenceNumber).toBe(300);
    log.close();
  });

  test('a final batch whose event count was damaged still keeps all its numbers reserved (counted again from its events)', async () => {
    const { directory, segment, starts } = await threeBatches();
    await flipByte(segment, starts[2]! + 8 + 24 + 3); // batch 3's event count: 100 becomes 62
    const log = new FilePartitionLog(directory, 0);
    expect(log.last()!.sequenceNumber).toBe(199);
    expect(log.nextSequenceNumber).toBe(300);
    log.close();
  });

  test('a flipped byte in a batch header still loses only that batch', async () => {
    const { directory, segment, starts } = await threeBatches();
    await flipByte(segment, starts[1]! + 8 + 24 + 2); // batch 2's event count
    const log = new FilePartitionLog(directory, 0);
    expect([0, 99, 100, 199, 200, 299].map((n) => log.get(n)?.sequenceNumber)).toEqual([0, 99, undefined, undefined, 200, 299]);
    log.close();
  });
});

describe('segment format', () => {
  /** A format-1 record (one per event, no file header), as the emulator wrote before format 2. */
  function format1Record(event: { sequenceNumber: number; offset: number; enqueuedTime: number; key?: string; text: string }): Buffer {
    const key = event.key === undefined ? undefined : Buffer.from(event.key);
    const message = Buffer.from(event.text);
    const rest = Buffer.alloc(26 + (key?.length ?? 0) + message.length);
    rest.writeDoubleBE(event.sequenceNumber, 0);
    rest.writeDoubleBE(event.offset, 8);
    rest.writeDoubleBE(event.enqueuedTime, 16);
    rest.writeUInt16BE(key ? key.length : 0xffff, 24);
    key?.copy(rest, 26);
    message.copy(rest, 26 + (key?.length ?? 0));
    const header = Buffer.alloc(8);
    header.writeUInt32BE(rest.length, 0);
    header.writeUInt32BE(crc32(rest), 4);
    return Buffer.concat([header, rest]);
  }

  test('a format-1 segment (a record per event) is converted to a record per append on load; a damaged format-1 record is dropped alone', async () => {
    const directory = await scratch();
    const path = join(directory, `${'0'.repeat(20)}.log`);
    // Two appends of 3 events (times 1,000 and 2,000, the second keyed), then a single event.
    const events = [0, 1, 2, 3, 4, 5, 6].map((n) => ({ sequenceNumber: n, offset: n * 10, enqueuedTime: n < 3 ? 1_000 : n < 6 ? 2_000 : 3_000, ...(n >= 3 && n < 6 ? { key: 'k' } : {}), text: `event-${String(n).padStart(4, '0')}` }));
    const records = events.map(format1Record);
    records[1]![30] ^= 0x5a; // event 1's record fails its checksum
    await writeFile(path, Buffer.concat(records));
    const lines: string[] = [];
    const log = new FilePartitionLog(directory, 0, { log: (line) => lines.push(line) });
    const read = (n: number, from: FilePartitionLog = log) => {
      const event = from.get(n);
      return event && [event.sequenceNumber, event.offset, event.enqueuedTime, event.partitionKey, Buffer.from(event.message).toString()];
    };
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => read(n))).toEqual(events.map((e) => (e.sequenceNumber === 1 ? undefined : [e.sequenceNumber, e.offset, e.enqueuedTime, e.key, e.text])));
    expect(lines.join('\n')).toMatch(/after #0 up to before #2/);
    expect(lines.join('\n')).toMatch(/converted from segment format 1/);
    expect(log.append([{ message: body(7) }], 9_000)[0]!.sequenceNumber).toBe(7);
    log.close();
    // Format 2 now: appends 0 | 2 | 3-5 | 6 | 7 as records, read again without converting.
    expect((await readFile(path)).subarray(0, AT)).toEqual(SEGMENT_HEADER);
    const again = new FilePartitionLog(directory, 0, { log: (line) => lines.push(`again: ${line}`) });
    expect(read(4, again)).toEqual([4, 40, 2_000, 'k', 'event-0004']);
    expect(Buffer.from(again.get(7)!.message).toString()).toBe('event-0007');
    expect(lines.filter((line) => line.startsWith('again:'))).toEqual([]);
    again.close();
  });

  test('a segment of an unknown format is refused with a typed error naming the file', async () => {
    const directory = await scratch();
    await writeFile(join(directory, `${'0'.repeat(20)}.log`), Buffer.from([0x45, 0x48, 0x4c, 0x4f, 0x47, 0x00, 0x00, 0x09, 1, 2, 3]));
    expect(() => new FilePartitionLog(directory, 0)).toThrow(
      expect.objectContaining({ name: 'SegmentFormatError', format: 9, message: expect.stringContaining(`${'0'.repeat(20)}.log is a format-9 segment`) }),
    );
  });

  test('a segment whose file header was torn is started again', async () => {
    const directory = await scratch();
    const path = join(directory, `${'0'.repeat(20)}.log`);
    await writeFile(path, SEGMENT_HEADER.subarray(0, 3));
    const log = new FilePartitionLog(directory, 0);
    log.append([{ message: body(0) }], 1_000);
    log.close();
    expect((await readFile(path)).subarray(0, AT)).toEqual(SEGMENT_HEADER);
    const again = new FilePartitionLog(directory, 0);
    expect(Buffer.from(again.get(0)!.message).toString()).toBe('event-0000');
    again.close();
  });
});
