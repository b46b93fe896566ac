import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { MemoryPartitionLog, type StoredEvent } from './memory-log.js';

// Append-only segment files per partition (`--data-dir`), so a restart serves the same events
// with the same sequence numbers and offsets. Events are also kept in memory for reading; the
// files exist for durability. Record layout (big-endian):
//   u32 length-of-rest | u32 crc32-of-rest | f64 seq | f64 offset | f64 enqueuedTime
//   | u16 keyLength (0xFFFF = no key) | key UTF-8 | message bytes
// A torn tail (crash mid-write) fails its length or CRC and is cut off on load.

const HEADER = 4 + 4;
const FIXED = 8 + 8 + 8 + 2;
const NO_KEY = 0xffff;
const SEGMENT_BYTES = 16 * 1024 * 1024;

interface Segment {
  path: string;
  lastEnqueuedTime: number;
  bytes: number;
}

function segmentName(firstSequenceNumber: number): string {
  return `${String(firstSequenceNumber).padStart(20, '0')}.log`;
}

export function encodeRecord(event: StoredEvent): Buffer {
  const key = event.partitionKey === undefined ? undefined : Buffer.from(event.partitionKey, 'utf8');
  const keyLength = key ? Math.min(key.length, NO_KEY - 1) : 0;
  const rest = Buffer.alloc(FIXED + keyLength + event.message.byteLength);
  rest.writeDoubleBE(event.sequenceNumber, 0);
  rest.writeDoubleBE(event.offset, 8);
  rest.writeDoubleBE(event.enqueuedTime, 16);
  rest.writeUInt16BE(key ? keyLength : NO_KEY, 24);
  if (key) key.copy(rest, FIXED, 0, keyLength);
  rest.set(event.message, FIXED + keyLength);
  const header = Buffer.alloc(HEADER);
  header.writeUInt32BE(rest.length, 0);
  header.writeUInt32BE(crc32(rest), 4);
  return Buffer.concat([header, rest]);
}

/** Whole, intact records of one segment file and the byte length they cover. */
export function decodeRecords(data: Buffer): { events: StoredEvent[]; validBytes: number } {
  const events: StoredEvent[] = [];
  let position = 0;
  while (position + HEADER <= data.length) {
    const length = data.readUInt32BE(position);
    const end = position + HEADER + length;
    if (length < FIXED || end > data.length) break;
    const rest = data.subarray(position + HEADER, end);
    if (crc32(rest) !== data.readUInt32BE(position + 4)) break;
    const keyLength = rest.readUInt16BE(24);
    const keyBytes = keyLength === NO_KEY ? 0 : keyLength;
    if (FIXED + keyBytes > rest.length) break;
    events.push({
      sequenceNumber: rest.readDoubleBE(0),
      offset: rest.readDoubleBE(8),
      enqueuedTime: rest.readDoubleBE(16),
      ...(keyLength === NO_KEY ? {} : { partitionKey: rest.toString('utf8', FIXED, FIXED + keyBytes) }),
      message: new Uint8Array(rest.subarray(FIXED + keyBytes)),
    });
    position = end;
  }
  return { events, validBytes: position };
}

export class FilePartitionLog extends MemoryPartitionLog {
  private readonly segments: Segment[] = [];
  private fd: number | undefined;

  constructor(private readonly directory: string, retentionCutoff: number) {
    super();
    mkdirSync(directory, { recursive: true });
    const names = readdirSync(directory).filter((name) => /^\d{20}\.log$/.test(name)).sort();
    for (const name of names) {
      const path = join(directory, name);
      const data = readFileSync(path);
      const { events, validBytes } = decodeRecords(data);
      if (validBytes < data.length) {
        const fd = openSync(path, 'r+');
        ftruncateSync(fd, validBytes);
        closeSync(fd);
      }
      for (const event of events) {
        // Sequence numbers and offsets must continue even when the events themselves expired.
        if (event.enqueuedTime >= retentionCutoff) this.restore(event);
        else this.skipExpired(event);
      }
      this.segments.push({ path, bytes: validBytes, lastEnqueuedTime: events.at(-1)?.enqueuedTime ?? 0 });
    }
  }

  private skipExpired(event: StoredEvent): void {
    this.next = event.sequenceNumber + 1;
    this.nextByte = event.offset + event.message.byteLength;
    this.remember(event);
  }

  private activeFd(): number {
    const active = this.segments.at(-1);
    if (this.fd !== undefined && active && active.bytes < SEGMENT_BYTES) return this.fd;
    if (this.fd !== undefined) closeSync(this.fd);
    const path = active && active.bytes < SEGMENT_BYTES ? active.path : join(this.directory, segmentName(this.next));
    if (!active || active.path !== path) this.segments.push({ path, bytes: 0, lastEnqueuedTime: 0 });
    this.fd = openSync(path, 'a');
    return this.fd;
  }

  protected override persist(records: StoredEvent[]): void {
    if (records.length === 0) return;
    const buffer = Buffer.concat(records.map(encodeRecord));
    // Written before the producer's delivery is accepted (sender-link.ts), so an accepted event survives a restart.
    writeSync(this.activeFd(), buffer);
    const active = this.segments.at(-1)!;
    active.bytes += buffer.length;
    active.lastEnqueuedTime = records.at(-1)!.enqueuedTime;
  }

  override expireBefore(cutoff: number): number {
    const dropped = super.expireBefore(cutoff);
    // Whole segments go once every event in them expired; the active one stays to keep the numbering.
    while (this.segments.length > 1 && this.segments[0]!.lastEnqueuedTime < cutoff) {
      rmSync(this.segments.shift()!.path, { force: true });
    }
    return dropped;
  }

  override close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
