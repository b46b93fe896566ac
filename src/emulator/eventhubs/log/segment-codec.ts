import { crc32Of } from './crc32.js';
import type { EventChunk } from './event-chunk.js';
import type { StoredEvent } from './events.js';

// Record layout of a segment file (big-endian):
//   u32 length-of-rest | u32 crc32-of-rest | f64 seq | f64 offset | f64 enqueuedTime
//   | u16 keyLength (0xFFFF = no key) | key UTF-8 | message bytes
// Loading scans a segment record by record. A record that fails its checksum in the middle of a
// segment is skipped on its own: the scan resynchronises on the next offset holding a valid header
// and CRC, so one flipped byte costs one record, not the rest of the segment.

export const RECORD_HEADER = 4 + 4;
const FIXED = 8 + 8 + 8 + 2;
const NO_KEY = 0xffff;
/** Larger than any record we write (1 MiB message + 64 KiB key); anything longer is garbage. */
const MAX_REST = FIXED + NO_KEY + 2 * 1024 * 1024;

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
  const header = Buffer.alloc(RECORD_HEADER);
  header.writeUInt32BE(rest.length, 0);
  header.writeUInt32BE(crc32Of(rest), 4);
  return Buffer.concat([header, rest]);
}

/**
 * Every event of a chunk as records (the same bytes as encodeRecord's), written into a buffer of
 * at least the size asked for from `allocate` (a caller may hand out one scratch buffer each time).
 * With `starts`, where each message begins in the records goes to `starts.block[starts.at + i]`
 * (this may be the chunk's own index: each entry is read before it is overwritten).
 */
export function encodeChunkRecords(
  chunk: EventChunk,
  allocate: (bytes: number) => Buffer = Buffer.allocUnsafe,
  starts?: { block: Uint32Array; at: number },
): Buffer {
  const count = chunk.count;
  const keyBytes = new Map<string, Buffer>();
  const keyOf = (index: number): Buffer | undefined => {
    const key = chunk.partitionKey(index);
    if (key === undefined) return undefined;
    let encoded = keyBytes.get(key);
    if (!encoded) {
      const utf8 = Buffer.from(key, 'utf8');
      encoded = utf8.subarray(0, Math.min(utf8.length, NO_KEY - 1));
      keyBytes.set(key, encoded);
    }
    return encoded;
  };
  let total = 0;
  for (let index = 0; index < count; index++) total += RECORD_HEADER + FIXED + (keyOf(index)?.length ?? 0) + chunk.messageLength(index);
  const out = allocate(total);
  // DataView writes compile to plain stores; Buffer's write* helpers and one copy() call per
  // record cost more than the bytes they move.
  const view = new DataView(out.buffer, out.byteOffset, total);
  const bytes = chunk.bytes;
  let position = 0;
  for (let index = 0; index < count; index++) {
    const key = keyOf(index);
    const keyLength = key?.length ?? 0;
    const messageLength = chunk.messageLength(index);
    const rest = position + RECORD_HEADER;
    const end = rest + FIXED + keyLength + messageLength;
    view.setUint32(position, end - rest);
    view.setFloat64(rest, chunk.firstSequenceNumber + index);
    view.setFloat64(rest + 8, chunk.offset(index));
    view.setFloat64(rest + 16, chunk.enqueuedTime);
    view.setUint16(rest + 24, key ? keyLength : NO_KEY);
    if (key) out.set(key, rest + FIXED);
    const start = chunk.messageStart(index);
    out.set(bytes.subarray(start, start + messageLength), rest + FIXED + keyLength);
    if (starts) starts.block[starts.at + index] = rest + FIXED + keyLength;
    view.setUint32(position + 4, crc32Of(out, rest, end));
    position = end;
  }
  return out.subarray(0, total);
}

/** A record that failed its checksum and was skipped; `nextSequenceNumber` is the first intact record after it. */
export interface DamagedRange {
  start: number;
  end: number;
  /** Sequence number of the intact record before the damage, or undefined at the segment start. */
  afterSequenceNumber: number | undefined;
  nextSequenceNumber: number | undefined;
}

export interface SegmentScan {
  events: StoredEvent[];
  /** Where each event's record starts in the segment (parallel to `events`). */
  starts: number[];
  /** Damaged records skipped in the middle of the segment (kept on disk, never served). */
  damaged: DamagedRange[];
  /** Where the file should end: the torn tail (an incomplete final record) starts here. */
  validBytes: number;
  /** A complete final record that failed its CRC: its bytes stay, and this many sequence numbers stay reserved. */
  damagedTail: DamagedRange | undefined;
}

/** The record at `position` when its header, bounds, CRC and numbering all hold. */
function recordAt(data: Buffer, position: number, after: number): { event: StoredEvent; end: number } | undefined {
  if (position + RECORD_HEADER + FIXED > data.length) return undefined;
  const length = data.readUInt32BE(position);
  const end = position + RECORD_HEADER + length;
  if (length < FIXED || length > MAX_REST || end > data.length) return undefined;
  const sequenceNumber = data.readDoubleBE(position + RECORD_HEADER);
  // Cheap checks first so resynchronising over a damaged stretch rarely computes a CRC.
  if (!Number.isSafeInteger(sequenceNumber) || sequenceNumber <= after) return undefined;
  const rest = data.subarray(position + RECORD_HEADER, end);
  const keyLength = rest.readUInt16BE(24);
  const keyBytes = keyLength === NO_KEY ? 0 : keyLength;
  if (FIXED + keyBytes > rest.length) return undefined;
  if (crc32Of(rest) !== data.readUInt32BE(position + 4)) return undefined;
  return {
    end,
    event: {
      sequenceNumber,
      offset: rest.readDoubleBE(8),
      enqueuedTime: rest.readDoubleBE(16),
      ...(keyLength === NO_KEY ? {} : { partitionKey: rest.toString('utf8', FIXED, FIXED + keyBytes) }),
      // A view into the segment's bytes: the log keeps the file's buffer rather than a copy per event.
      message: new Uint8Array(rest.buffer, rest.byteOffset + FIXED + keyBytes, rest.length - FIXED - keyBytes),
    },
  };
}

/**
 * Where intact records resume after a damaged one at `damaged`. Numbers go up by one per record,
 * so a record found `skipped` bytes later can be at most `skipped / smallest record` numbers
 * ahead, which keeps record-shaped bytes far ahead in numbering from being taken for a record.
 */
function nextValidRecord(data: Buffer, damaged: number, after: number): number | undefined {
  const fits = (position: number) => {
    const record = recordAt(data, position, after);
    return record !== undefined && record.event.sequenceNumber <= after + 1 + Math.ceil((position - damaged) / (RECORD_HEADER + FIXED));
  };
  // Where the damaged record's length says the next one starts (right unless the length was hit).
  const claimed = damaged + RECORD_HEADER <= data.length ? damaged + RECORD_HEADER + data.readUInt32BE(damaged) : data.length;
  const claimedFits = claimed < data.length && fits(claimed);
  const limit = claimedFits ? claimed : data.length;
  let first: number | undefined;
  for (let position = damaged + 1; position < limit && position + RECORD_HEADER + FIXED <= data.length; position++) {
    if (fits(position)) {
      first = position;
      break;
    }
  }
  if (first === undefined) return claimedFits ? claimed : undefined;
  if (!claimedFits) return first;
  // Both: an earlier record is genuine when the records from it chain exactly onto the claimed
  // one and the numbering carries on there; otherwise it is record-shaped bytes inside the damaged
  // event's body (at worst the damaged event's own number, written by its own producer).
  let position = first;
  let highest = after;
  while (position < claimed) {
    const record = recordAt(data, position, highest);
    if (!record) break;
    highest = record.event.sequenceNumber;
    position = record.end;
  }
  return position === claimed && recordAt(data, claimed, highest) ? first : claimed;
}

/**
 * Intact records of one segment. `after` is the highest sequence number seen in earlier segments
 * (records must number upwards, which also rejects stale bytes that happen to checksum).
 */
export function scanSegment(data: Buffer, after = -1): SegmentScan {
  const events: StoredEvent[] = [];
  const starts: number[] = [];
  const damaged: DamagedRange[] = [];
  let highest = after;
  let position = 0;
  while (position < data.length) {
    const record = recordAt(data, position, highest);
    if (record) {
      events.push(record.event);
      starts.push(position);
      highest = record.event.sequenceNumber;
      position = record.end;
      continue;
    }
    const resume = nextValidRecord(data, position, highest);
    const previous = events.at(-1)?.sequenceNumber;
    if (resume === undefined) {
      // Nothing intact follows. A final record whose length fits the file was complete when
      // written (so maybe acknowledged): keep its bytes and its number; only an incomplete one is torn.
      const length = position + RECORD_HEADER <= data.length ? data.readUInt32BE(position) : Infinity;
      const complete = length >= FIXED && length <= MAX_REST && position + RECORD_HEADER + length === data.length;
      if (complete) {
        return { events, starts, damaged, validBytes: data.length, damagedTail: { start: position, end: data.length, afterSequenceNumber: previous, nextSequenceNumber: undefined } };
      }
      return { events, starts, damaged, validBytes: position, damagedTail: undefined };
    }
    damaged.push({ start: position, end: resume, afterSequenceNumber: previous, nextSequenceNumber: recordAt(data, resume, highest)!.event.sequenceNumber });
    position = resume;
  }
  return { events, starts, damaged, validBytes: position, damagedTail: undefined };
}

/** Whole, intact records of one segment file and the byte length they cover (see scanSegment). */
export function decodeRecords(data: Buffer): { events: StoredEvent[]; validBytes: number } {
  const { events, validBytes } = scanSegment(data);
  return { events, validBytes };
}
