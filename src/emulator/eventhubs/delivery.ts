import { mapped, scanMap, scanned, scanSection, skipValue, stringIs } from './amqp-scan.js';
import { SECTION } from './amqp-sections.js';
import type { EventChunk, StoredEvent } from './log/memory-log.js';
import type { PartitionProperties } from './partition.js';

// The message a consumer receives (docs/protocol/eventhubs.md §6.3): the producer's sections unchanged, plus the
// service annotations x-opt-sequence-number (long), x-opt-offset (string), x-opt-enqueued-time
// (timestamp) and x-opt-partition-key, and — with runtime metrics on — delivery-annotations
// describing the partition's last enqueued event.
// Written straight from the stored bytes: the producer's header, its other annotations and the
// sections after them are copied as they are; only the annotation maps are written here, into
// slabs shared by many deliveries (no per-section objects, no re-encoding).

const SERVICE_KEYS = ['x-opt-sequence-number', 'x-opt-offset', 'x-opt-enqueued-time', 'x-opt-partition-key'] as const;

const SLAB_BYTES = 256 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabUsed = 0;

/** `bytes` fresh bytes that stay valid after the call (a slice of a shared slab). */
function reserve(bytes: number): { buffer: Buffer; at: number } {
  if (slabUsed + bytes > slab.length) {
    slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, bytes));
    slabUsed = 0;
  }
  const at = slabUsed;
  slabUsed += bytes;
  return { buffer: slab, at };
}

function symbolBytes(name: string): Buffer {
  return Buffer.concat([Buffer.from([0xa3, name.length]), Buffer.from(name, 'ascii')]);
}

const SYMBOL = {
  sequenceNumber: symbolBytes('x-opt-sequence-number'),
  offset: symbolBytes('x-opt-offset'),
  enqueuedTime: symbolBytes('x-opt-enqueued-time'),
  partitionKey: symbolBytes('x-opt-partition-key'),
  lastSequenceNumber: symbolBytes('last_enqueued_sequence_number'),
  lastOffset: symbolBytes('last_enqueued_offset'),
  lastTime: symbolBytes('last_enqueued_time_utc'),
  retrievalTime: symbolBytes('runtime_info_retrieval_time_utc'),
};

const longBytes = (value: number): number => (value >= -128 && value <= 127 ? 2 : 9);
const stringBytes = (utf8Length: number): number => (utf8Length > 255 ? 5 : 2) + utf8Length;
/** Described map section header: 0x00 0x53 code 0xd1 size(4) count(4). */
const MAP_SECTION_HEADER = 3 + 1 + 4 + 4;

function writeInt64(buffer: Buffer, at: number, value: number): void {
  const high = Math.floor(value / 4294967296);
  buffer.writeInt32BE(high, at);
  buffer.writeUInt32BE(value - high * 4294967296, at + 4);
}

/** long as rhea writes it: smalllong when it fits a byte. */
function writeLong(buffer: Buffer, at: number, value: number): number {
  if (value >= -128 && value <= 127) {
    buffer[at] = 0x55;
    buffer.writeInt8(value, at + 1);
    return at + 2;
  }
  buffer[at] = 0x81;
  writeInt64(buffer, at + 1, value);
  return at + 9;
}

function writeTimestamp(buffer: Buffer, at: number, value: number): number {
  buffer[at] = 0x83;
  writeInt64(buffer, at + 1, value);
  return at + 9;
}

function writeString(buffer: Buffer, at: number, value: string, utf8Length: number): number {
  if (utf8Length > 255) {
    buffer[at] = 0xb1;
    buffer.writeUInt32BE(utf8Length, at + 1);
    at += 5;
  } else {
    buffer[at] = 0xa1;
    buffer[at + 1] = utf8Length;
    at += 2;
  }
  return at + buffer.write(value, at, utf8Length, 'utf8');
}

function writeMapSectionHeader(buffer: Buffer, at: number, code: number, entriesBytes: number, entries: number): number {
  buffer[at] = 0x00;
  buffer[at + 1] = 0x53;
  buffer[at + 2] = code;
  buffer[at + 3] = 0xd1;
  buffer.writeUInt32BE(4 + entriesBytes, at + 4);
  buffer.writeUInt32BE(entries * 2, at + 8);
  return at + MAP_SECTION_HEADER;
}

/** What runtime metrics report, encoded once per pump rather than per event. */
export interface RuntimeSection {
  bytes: Buffer;
}

export function runtimeSection(runtime: PartitionProperties, now = Date.now()): RuntimeSection {
  const offset = runtime.lastEnqueuedOffset;
  const offsetLength = Buffer.byteLength(offset);
  const entriesBytes =
    SYMBOL.lastSequenceNumber.length + longBytes(runtime.lastEnqueuedSequenceNumber) +
    SYMBOL.lastOffset.length + stringBytes(offsetLength) +
    SYMBOL.lastTime.length + 9 +
    SYMBOL.retrievalTime.length + 9;
  const bytes = Buffer.allocUnsafe(MAP_SECTION_HEADER + entriesBytes);
  let at = writeMapSectionHeader(bytes, 0, SECTION.deliveryAnnotations, entriesBytes, 4);
  at += SYMBOL.lastSequenceNumber.copy(bytes, at);
  at = writeLong(bytes, at, runtime.lastEnqueuedSequenceNumber);
  at += SYMBOL.lastOffset.copy(bytes, at);
  at = writeString(bytes, at, offset, offsetLength);
  at += SYMBOL.lastTime.copy(bytes, at);
  at = writeTimestamp(bytes, at, runtime.lastEnqueuedTime.getTime());
  at += SYMBOL.retrievalTime.copy(bytes, at);
  writeTimestamp(bytes, at, now);
  return { bytes };
}

function isServiceKey(bytes: Uint8Array, keyAt: number): boolean {
  for (const name of SERVICE_KEYS) if (stringIs(bytes, keyAt, name)) return true;
  return false;
}

// Where the parts of the message being encoded are (one encode at a time; reused to allocate nothing).
const kept: number[] = [];
const rest: number[] = [];

/**
 * The delivery of one stored event: `source[start, end)` is the producer's message, `offset`
 * etc. its place in the partition. Returns a slice of a shared slab.
 */
export function encodeStoredMessage(
  source: Buffer,
  start: number,
  end: number,
  event: { sequenceNumber: number; offset: number; enqueuedTime: number; partitionKey: string | undefined },
  runtime?: RuntimeSection,
): Buffer {
  let headerStart = -1;
  let headerEnd = -1;
  let annotationsSeen = false;
  let keptBytes = 0;
  let restBytes = 0;
  kept.length = 0;
  rest.length = 0;
  for (let sectionStart = start; sectionStart < end; ) {
    const sectionEnd = scanSection(source, sectionStart, end);
    const code = scanned.code;
    if (code === SECTION.header) {
      if (headerStart < 0) {
        headerStart = sectionStart;
        headerEnd = sectionEnd;
      }
    } else if (code === SECTION.messageAnnotations) {
      if (!annotationsSeen && scanMap(source, scanned.valueAt)) {
        // The producer's own annotations stay, except any it set under the service's names.
        let keyAt = mapped.first;
        for (let index = 0, count = mapped.count; index + 1 < count; index += 2) {
          const entryEnd = skipValue(source, skipValue(source, keyAt, sectionEnd), sectionEnd);
          if (!isServiceKey(source, keyAt)) {
            kept.push(keyAt, entryEnd);
            keptBytes += entryEnd - keyAt;
          }
          keyAt = entryEnd;
        }
      }
      annotationsSeen = true;
    } else if (code > SECTION.messageAnnotations) {
      // Consecutive sections (the usual case) are copied as one run.
      if (rest.length > 0 && rest[rest.length - 1] === sectionStart) rest[rest.length - 1] = sectionEnd;
      else rest.push(sectionStart, sectionEnd);
      restBytes += sectionEnd - sectionStart;
    }
    // A producer's delivery-annotations are for the hop to the service: not passed on.
    sectionStart = sectionEnd;
  }
  const offset = String(event.offset);
  const key = event.partitionKey;
  const keyLength = key === undefined ? 0 : Buffer.byteLength(key);
  const serviceBytes =
    SYMBOL.sequenceNumber.length + longBytes(event.sequenceNumber) +
    SYMBOL.offset.length + stringBytes(offset.length) +
    SYMBOL.enqueuedTime.length + 9 +
    (key === undefined ? 0 : SYMBOL.partitionKey.length + stringBytes(keyLength));
  const entriesBytes = keptBytes + serviceBytes;
  const headerBytes = headerStart < 0 ? 0 : headerEnd - headerStart;
  const total = headerBytes + (runtime?.bytes.length ?? 0) + MAP_SECTION_HEADER + entriesBytes + restBytes;
  const { buffer, at: first } = reserve(total);
  let at = first;
  if (headerStart >= 0) at += source.copy(buffer, at, headerStart, headerEnd);
  if (runtime) at += runtime.bytes.copy(buffer, at);
  at = writeMapSectionHeader(buffer, at, SECTION.messageAnnotations, entriesBytes, kept.length / 2 + (key === undefined ? 3 : 4));
  for (let index = 0; index < kept.length; index += 2) at += source.copy(buffer, at, kept[index]!, kept[index + 1]!);
  at += SYMBOL.sequenceNumber.copy(buffer, at);
  at = writeLong(buffer, at, event.sequenceNumber);
  at += SYMBOL.offset.copy(buffer, at);
  at = writeString(buffer, at, offset, offset.length);
  at += SYMBOL.enqueuedTime.copy(buffer, at);
  at = writeTimestamp(buffer, at, event.enqueuedTime);
  if (key !== undefined) {
    at += SYMBOL.partitionKey.copy(buffer, at);
    at = writeString(buffer, at, key, keyLength);
  }
  for (let index = 0; index < rest.length; index += 2) at += source.copy(buffer, at, rest[index]!, rest[index + 1]!);
  return buffer.subarray(first, at);
}

/** Event `index` of `chunk` as delivered. */
export function encodeChunkDelivery(chunk: EventChunk, index: number, runtime?: RuntimeSection): Buffer {
  const start = chunk.messageStart(index);
  const event = {
    sequenceNumber: chunk.firstSequenceNumber + index,
    offset: chunk.offset(index),
    enqueuedTime: chunk.enqueuedTime,
    partitionKey: chunk.partitionKey(index),
  };
  return encodeStoredMessage(chunk.buffer, start, start + chunk.messageLength(index), event, runtime);
}

/** One stored event as delivered (the same bytes as encodeChunkDelivery). */
export function encodeDelivery(event: StoredEvent, runtime?: PartitionProperties, now = Date.now()): Buffer {
  const source = Buffer.from(event.message.buffer, event.message.byteOffset, event.message.byteLength);
  const fields = { ...event, partitionKey: event.partitionKey };
  return encodeStoredMessage(source, 0, source.length, fields, runtime ? runtimeSection(runtime, now) : undefined);
}
