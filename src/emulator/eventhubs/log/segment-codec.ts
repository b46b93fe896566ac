import { BATCH_MESSAGE_FORMAT, decodeTransfer } from '../batch.js';
import { crc32Of } from './crc32.js';
import { batchIndex, keysOf, type EventBatch, type StoredEvent } from './events.js';
import { nextValidRecord, type RecordFormat } from './segment-resync.js';

// Segment file layout, format 2 (big-endian):
//   file header: "EHLOG" 0x00 u16 format (2)
//   then one record per append (a producer's transfer, a Kafka produce, ...):
//     u32 length-of-rest | u32 crc32-of-rest
//     rest: f64 firstSequenceNumber | f64 firstOffset | f64 enqueuedTime | u32 count | u8 kind
//           | the kind's table | payload
//   kind 1, messages: per event u32 messageLength | u16 keyLength (0xFFFF = no key) | key UTF-8;
//           payload: the messages one after another (a one-event send is one such record)
//   kind 2, AMQP batch envelope (message-format 0x80013700): no table; payload: the transfer's
//           bytes as they arrived; its events and keys are found again by scanning it (batch.ts)
// One checksum per append, as Kafka has one per record batch: a damaged byte costs the append
// holding it, never the records before or after it. Loading resynchronises past a damaged record
// on the next offset holding a valid header and CRC; only a torn tail is cut.

export const SEGMENT_FORMAT = 2;
export const SEGMENT_HEADER = Buffer.from([0x45, 0x48, 0x4c, 0x4f, 0x47, 0x00, 0x00, SEGMENT_FORMAT]);
export const RECORD_HEADER = 4 + 4;
const FIXED = 8 + 8 + 8 + 4 + 1;
const KIND_MESSAGES = 1;
const KIND_ENVELOPE = 2;
const ENTRY = 4 + 2;
const NO_KEY = 0xffff;
/** The fewest bytes an event takes in a record: an empty message in an envelope's data section. */
const MIN_EVENT_BYTES = 5;

export interface RecordFields {
  firstSequenceNumber: number;
  firstOffset: number;
  enqueuedTime: number;
}

/**
 * Whether `batch` is a batch envelope as it arrived (decodeTransfer's index points at the data
 * sections inside it) rather than messages laid end to end (batchOf, a format-0 transfer).
 */
function isEnvelope(batch: EventBatch): boolean {
  const { index, indexAt: at, count } = batch;
  for (let i = 0; i < count; i++) if (index[at + i] !== index[at + count + i]) return true;
  return index[at + 2 * count] !== batch.bytes.byteLength;
}

function keyBytes(batch: EventBatch, event: number, cache: Map<string, Buffer>): Buffer | undefined {
  const key = typeof batch.keys === 'object' ? batch.keys[event] : batch.keys;
  if (key === undefined) return undefined;
  let encoded = cache.get(key);
  if (!encoded) {
    const utf8 = Buffer.from(key, 'utf8');
    encoded = utf8.subarray(0, Math.min(utf8.length, NO_KEY - 1));
    cache.set(key, encoded);
  }
  return encoded;
}

/**
 * The record header of one append (length, CRC over header and payload, fields, table), written
 * into a buffer from `allocate` (a caller may hand out one scratch buffer each time). The payload,
 * `batch.bytes` unchanged, follows it on disk.
 */
export function encodeRecordHeader(fields: RecordFields, batch: EventBatch, allocate: (bytes: number) => Buffer = Buffer.allocUnsafe): Buffer {
  const { count } = batch;
  const envelope = isEnvelope(batch);
  // An envelope's keys are in its bytes: only a kind-1 table spells them out.
  const cache = envelope ? undefined : new Map<string, Buffer>();
  let size = RECORD_HEADER + FIXED;
  if (cache) for (let i = 0; i < count; i++) size += ENTRY + (keyBytes(batch, i, cache)?.length ?? 0);
  const out = allocate(size).subarray(0, size);
  const view = new DataView(out.buffer, out.byteOffset, size);
  view.setUint32(0, size - RECORD_HEADER + batch.bytes.byteLength);
  view.setFloat64(8, fields.firstSequenceNumber);
  view.setFloat64(16, fields.firstOffset);
  view.setFloat64(24, fields.enqueuedTime);
  view.setUint32(32, count);
  out[36] = envelope ? KIND_ENVELOPE : KIND_MESSAGES;
  if (cache) {
    const { index, indexAt: at } = batch;
    let position = RECORD_HEADER + FIXED;
    for (let i = 0; i < count; i++) {
      const key = keyBytes(batch, i, cache);
      view.setUint32(position, index[at + count + i + 1]! - index[at + count + i]!);
      view.setUint16(position + 4, key ? key.length : NO_KEY);
      position += ENTRY;
      if (key) {
        out.set(key, position);
        position += key.length;
      }
    }
  }
  view.setUint32(4, crc32Of(batch.bytes, 0, batch.bytes.byteLength, crc32Of(out, RECORD_HEADER, size)));
  return out;
}

/** One append's whole record (header and payload). */
export function encodeRecord(fields: RecordFields, batch: EventBatch): Buffer {
  return Buffer.concat([encodeRecordHeader(fields, batch), batch.bytes]);
}

/** An intact record read from a segment. */
export interface LoadedRecord extends RecordFields {
  /** Its events: `bytes` is the payload (a view into the segment's bytes), the index relative to it. */
  batch: EventBatch;
  /** Where the payload starts in the segment, and where the record ends. */
  payloadAt: number;
  end: number;
}

/** A kind-1 record's events, from its table at `tableAt` (undefined when the table does not add up). */
function messagesAt(data: Buffer, tableAt: number, end: number, count: number): { batch: EventBatch; payloadAt: number } | undefined {
  const { block: index, at } = batchIndex(count);
  const keys = new Array<string | undefined>(count);
  let position = tableAt;
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (position + ENTRY > end) return undefined;
    const length = data.readUInt32BE(position);
    const keyLength = data.readUInt16BE(position + 4);
    position += ENTRY;
    if (keyLength !== NO_KEY) {
      if (position + keyLength > end) return undefined;
      keys[i] = data.toString('utf8', position, position + keyLength);
      position += keyLength;
    }
    index[at + i] = total;
    total += length;
    index[at + count + i + 1] = total;
  }
  if (position + total !== end) return undefined;
  return { batch: { bytes: data.subarray(position, end), count, index, indexAt: at, keys: keysOf(keys) }, payloadAt: position };
}

/** A kind-2 record's events, scanned out of the envelope as when it arrived. */
function envelopeAt(data: Buffer, payloadAt: number, end: number, count: number): { batch: EventBatch; payloadAt: number } | undefined {
  try {
    const { batch } = decodeTransfer(data.subarray(payloadAt, end), BATCH_MESSAGE_FORMAT);
    return batch.count === count ? { batch, payloadAt } : undefined;
  } catch {
    return undefined;
  }
}

/** The record at `position` when its header, bounds, CRC, numbering and contents all hold. */
function recordAt(data: Buffer, position: number, after: number): LoadedRecord | undefined {
  const rest = position + RECORD_HEADER;
  if (rest + FIXED > data.length) return undefined;
  const end = rest + data.readUInt32BE(position);
  if (end < rest + FIXED || end > data.length) return undefined;
  // Cheap checks first so resynchronising over a damaged stretch rarely computes a CRC.
  const firstSequenceNumber = data.readDoubleBE(rest);
  if (!Number.isSafeInteger(firstSequenceNumber) || firstSequenceNumber <= after) return undefined;
  const count = data.readUInt32BE(rest + 24);
  const kind = data[rest + 28];
  if (count === 0 || count * MIN_EVENT_BYTES > end - rest - FIXED || (kind !== KIND_MESSAGES && kind !== KIND_ENVELOPE)) return undefined;
  if (crc32Of(data, rest, end) !== data.readUInt32BE(position + 4)) return undefined;
  const events = kind === KIND_MESSAGES ? messagesAt(data, rest + FIXED, end, count) : envelopeAt(data, rest + FIXED, end, count);
  if (!events) return undefined;
  return { firstSequenceNumber, firstOffset: data.readDoubleBE(rest + 8), enqueuedTime: data.readDoubleBE(rest + 16), ...events, end };
}

const lastOf = (record: LoadedRecord) => record.firstSequenceNumber + record.batch.count - 1;

const FORMAT: RecordFormat = {
  headerBytes: RECORD_HEADER,
  fixedBytes: FIXED,
  minBytesPerNumber: MIN_EVENT_BYTES,
  recordAt(data, position, after) {
    const record = recordAt(data, position, after);
    return record && { first: record.firstSequenceNumber, last: lastOf(record), end: record.end };
  },
};

/** A record that failed its checksum and was skipped; `nextSequenceNumber` is the first intact record after it. */
export interface DamagedRange {
  start: number;
  end: number;
  /** Sequence number of the intact event before the damage, or undefined at the segment start. */
  afterSequenceNumber: number | undefined;
  nextSequenceNumber: number | undefined;
}

export interface SegmentScan {
  records: LoadedRecord[];
  /** Damaged records skipped in the middle of the segment (kept on disk, never served). */
  damaged: DamagedRange[];
  /** Where the file should end: the torn tail (an incomplete final record) starts here. */
  validBytes: number;
  /** A complete final record that failed its CRC: its bytes stay, and its numbers stay reserved. */
  damagedTail: DamagedRange | undefined;
  /** Numbering continues at or past this: past the last intact record, or the numbers a damaged tail may have held. */
  nextSequenceNumber: number;
}

/**
 * How many events the payload of a record that failed its CRC says it holds, when it can still be
 * read (the damage is elsewhere), else 0. A kind-1 table is read until it and the messages it
 * lists fill the record exactly.
 */
function countInPayload(data: Buffer, rest: number, end: number): number {
  const kind = data[rest + 28];
  if (kind === KIND_ENVELOPE) {
    try {
      return decodeTransfer(data.subarray(rest + FIXED, end), BATCH_MESSAGE_FORMAT).batch.count;
    } catch {
      return 0;
    }
  }
  let position = rest + FIXED;
  let total = 0;
  for (let count = 1; position + ENTRY <= end; count++) {
    total += data.readUInt32BE(position);
    const keyLength = data.readUInt16BE(position + 4);
    position += ENTRY + (keyLength === NO_KEY ? 0 : keyLength);
    if (position + total === end) return count;
  }
  return 0;
}

/**
 * The numbers a complete final record that failed its CRC may have held. One damaged byte leaves
 * either its header's count or its payload readable, so it held the larger of the two; when its
 * header reads as nonsense, as many as its bytes could hold. Skipping numbers is allowed; handing
 * one out twice is not.
 */
function reservedByTail(data: Buffer, position: number, after: number): number {
  const rest = position + RECORD_HEADER;
  const most = Math.max(1, Math.floor((data.length - rest - FIXED) / MIN_EVENT_BYTES));
  const first = data.readDoubleBE(rest);
  const count = Math.max(data.readUInt32BE(rest + 24), countInPayload(data, rest, data.length));
  const plausible = Number.isSafeInteger(first) && first > after && first <= after + 1 + most && count >= 1 && count <= most;
  return plausible ? first + count : after + 1 + most;
}

/** The segment format `data` starts with: SEGMENT_FORMAT, another one, 'empty' (no header or part of one: a fresh file), or 1 (the headerless format 1). */
export function segmentFormat(data: Buffer): number | 'empty' {
  if (data.length < SEGMENT_HEADER.length && SEGMENT_HEADER.subarray(0, data.length).equals(data)) return 'empty';
  if (data.length >= SEGMENT_HEADER.length && data.subarray(0, 6).equals(SEGMENT_HEADER.subarray(0, 6))) return data.readUInt16BE(6);
  return 1;
}

/**
 * Intact records of a format-2 segment (the caller checked segmentFormat). `after` is the highest
 * sequence number seen in earlier segments (records must number upwards, which also rejects stale
 * bytes that happen to checksum).
 */
export function scanSegment(data: Buffer, after = -1): SegmentScan {
  const records: LoadedRecord[] = [];
  const damaged: DamagedRange[] = [];
  let highest = after;
  let position = Math.min(SEGMENT_HEADER.length, data.length);
  const done = (validBytes: number, damagedTail?: DamagedRange, next = highest + 1): SegmentScan => ({ records, damaged, validBytes, damagedTail, nextSequenceNumber: next });
  while (position < data.length) {
    const record = recordAt(data, position, highest);
    if (record) {
      records.push(record);
      highest = lastOf(record);
      position = record.end;
      continue;
    }
    const resume = nextValidRecord(FORMAT, data, position, highest);
    const previous = records.length > 0 ? highest : undefined;
    if (resume === undefined) {
      // Nothing intact follows. A final record whose length fits the file was complete when
      // written (so maybe acknowledged): keep its bytes and its numbers; only an incomplete one is torn.
      const length = position + RECORD_HEADER + FIXED <= data.length ? data.readUInt32BE(position) : -1;
      if (length >= FIXED && position + RECORD_HEADER + length === data.length) {
        const tail = { start: position, end: data.length, afterSequenceNumber: previous, nextSequenceNumber: undefined };
        return done(data.length, tail, reservedByTail(data, position, highest));
      }
      return done(position);
    }
    damaged.push({ start: position, end: resume, afterSequenceNumber: previous, nextSequenceNumber: recordAt(data, resume, highest)!.firstSequenceNumber });
    position = resume;
  }
  return done(position);
}

/** The events of a loaded record, one object each (tests, tools). */
export function eventsOf(record: LoadedRecord): StoredEvent[] {
  const { bytes, count, index, indexAt: at, keys } = record.batch;
  return Array.from({ length: count }, (_, i) => {
    const key = typeof keys === 'object' ? keys[i] : keys;
    const start = index[at + i]!;
    const total = index[at + count + i]!;
    return {
      sequenceNumber: record.firstSequenceNumber + i,
      offset: record.firstOffset + total,
      enqueuedTime: record.enqueuedTime,
      message: bytes.subarray(start, start + index[at + count + i + 1]! - total),
      ...(key === undefined ? {} : { partitionKey: key }),
    };
  });
}

/** Every intact event of one format-2 segment file and the byte length they cover (see scanSegment). */
export function decodeRecords(data: Buffer): { events: StoredEvent[]; validBytes: number } {
  const { records, validBytes } = scanSegment(data);
  return { events: records.flatMap(eventsOf), validBytes };
}
