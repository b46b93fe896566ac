import { annotationStringAt, readUint32, scanned, scanSection } from './amqp-scan.js';
import { AmqpDecodeError, SECTION } from './amqp-sections.js';
import { batchIndex, keysOf, type EventBatch, type NewEvent } from './log/events.js';

// What a producer's transfer carries (docs/protocol/eventhubs.md §5). The SDK always uses message-format 0x80013700:
// an envelope whose body is N `data` sections, each one whole encoded AMQP message; the
// envelope's message-annotations repeat the first event's (so the partition key). Other clients
// send one plain message (format 0).
// Each event is located (and its sections checked) in the transfer's bytes, never copied on its
// own or decoded into objects; the log keeps the bytes as one block (log/event-chunk.ts).

export const BATCH_MESSAGE_FORMAT = 0x80013700;
export const PARTITION_KEY_ANNOTATION = 'x-opt-partition-key';

export interface DecodedTransfer {
  batch: EventBatch;
  /** The key routing the whole transfer, from the envelope (or the single message). */
  partitionKey?: string;
}

/**
 * The end of the section at `position` when it is one of the forms every event of a batch has
 * (`00 53 75` data as vbin8/vbin32; header, properties and the like as list0 or null, as rhea and
 * the SDKs write an empty one) and fits in `[position, end)`, else -1. Message annotations, whose
 * key is read, and anything else go through scanSection, which also throws the right error.
 */
function plainSectionEnd(bytes: Uint8Array, position: number, end: number): number {
  if (position + 4 > end || bytes[position] !== 0x00 || bytes[position + 1] !== 0x53) return -1;
  const code = bytes[position + 2]!;
  const type = bytes[position + 3];
  let sectionEnd = -1;
  if (code === SECTION.data) {
    if (type === 0xa0 && position + 5 <= end) sectionEnd = position + 5 + bytes[position + 4]!;
    else if (type === 0xb0 && position + 8 <= end) sectionEnd = position + 8 + readUint32(bytes, position + 4);
  } else if ((type === 0x45 || type === 0x40) && code >= SECTION.header && code <= SECTION.footer && code !== SECTION.messageAnnotations) {
    sectionEnd = position + 4;
  }
  return sectionEnd <= end ? sectionEnd : -1;
}

/** The partition key annotation of the message in `[start, end)`, checking its sections on the way. */
function messageKey(bytes: Uint8Array, start: number, end: number): string | undefined {
  let position = start;
  while (position < end) {
    const plainEnd = plainSectionEnd(bytes, position, end);
    if (plainEnd >= 0) {
      position = plainEnd;
      continue;
    }
    const sectionEnd = scanSection(bytes, position, end);
    // The first message-annotations section is the one rhea's decode keeps.
    if (scanned.code === SECTION.messageAnnotations) {
      const key = annotationStringAt(bytes, scanned.valueAt, sectionEnd, PARTITION_KEY_ANNOTATION);
      // The rest must still be well-formed.
      for (position = sectionEnd; position < end; ) position = scanSection(bytes, position, end);
      return key;
    }
    position = sectionEnd;
  }
  return undefined;
}

// Where the events of the transfer being decoded start and end: reused (one decode at a time),
// so a transfer allocates nothing per event.
const starts: number[] = [];
const ends: number[] = [];

export function decodeTransfer(payload: Uint8Array, messageFormat: number | undefined): DecodedTransfer {
  const format = messageFormat ?? 0;
  // The log copies these bytes into its arena (log/arena.ts); until then they are rhea's.
  const bytes = payload;
  if (format === 0) {
    const partitionKey = messageKey(bytes, 0, bytes.length);
    const { block: index, at } = batchIndex(1);
    index[at + 2] = bytes.length;
    const batch: EventBatch = { bytes, count: 1, index, indexAt: at, keys: partitionKey };
    return { batch, ...(partitionKey !== undefined ? { partitionKey } : {}) };
  }
  if (format !== BATCH_MESSAGE_FORMAT) {
    throw new AmqpDecodeError(`message-format ${format} is not supported; expected 0 or 0x80013700`);
  }
  let count = 0;
  let envelopeKey: string | undefined;
  let annotated = false;
  for (let position = 0; position < bytes.length; ) {
    const plainEnd = plainSectionEnd(bytes, position, bytes.length);
    if (plainEnd >= 0 && bytes[position + 2] !== SECTION.data) {
      position = plainEnd;
      continue;
    }
    if (plainEnd >= 0) {
      starts[count] = position + (bytes[position + 3] === 0xa0 ? 5 : 8);
      ends[count++] = plainEnd;
      position = plainEnd;
      continue;
    }
    const end = scanSection(bytes, position, bytes.length);
    const { code, valueAt } = scanned;
    if (code === SECTION.messageAnnotations && !annotated) {
      annotated = true;
      envelopeKey = annotationStringAt(bytes, valueAt, end, PARTITION_KEY_ANNOTATION);
    } else if (code === SECTION.data) {
      const type = bytes[valueAt];
      if (type !== 0xa0 && type !== 0xb0) throw new AmqpDecodeError('expected each batch data section to hold binary');
      starts[count] = valueAt + (type === 0xa0 ? 2 : 5);
      ends[count++] = end;
    }
    position = end;
  }
  if (count === 0) throw new AmqpDecodeError('expected a batch envelope with at least one data section, got none');
  const { block: index, at } = batchIndex(count);
  let keys: Array<string | undefined> | undefined;
  let total = 0;
  for (let event = 0; event < count; event++) {
    const start = starts[event]!;
    const end = ends[event]!;
    // Each event's own key wins over the envelope's (the SDK writes the same one in both).
    const key = messageKey(bytes, start, end) ?? envelopeKey;
    if (key !== envelopeKey) keys ??= new Array<string | undefined>(count).fill(envelopeKey);
    if (keys) keys[event] = key;
    index[at + event] = start;
    total += end - start;
    index[at + count + event + 1] = total;
  }
  const batch: EventBatch = { bytes, count, index, indexAt: at, keys: keys ? keysOf(keys) : envelopeKey };
  return { batch, ...(envelopeKey !== undefined ? { partitionKey: envelopeKey } : {}) };
}

/** The transfer's events one by one (idempotent publishing reads each one's annotations). */
export function eventsOf(batch: EventBatch): NewEvent[] {
  const { bytes, count, index, indexAt, keys } = batch;
  return Array.from({ length: count }, (_, event) => {
    const partitionKey = typeof keys === 'object' ? keys[event] : keys;
    const length = index[indexAt + count + event + 1]! - index[indexAt + count + event]!;
    const message = new Uint8Array(bytes.buffer, bytes.byteOffset + index[indexAt + event]!, length);
    return partitionKey !== undefined ? { message, partitionKey } : { message };
  });
}
