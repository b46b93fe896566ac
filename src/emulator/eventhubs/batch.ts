import { AmqpDecodeError, annotationString, SECTION, splitSections } from './amqp-sections.js';
import type { NewEvent } from './log/memory-log.js';

// What a producer's transfer carries (docs/protocol/eventhubs.md §5). The SDK always uses message-format 0x80013700:
// an envelope whose body is N `data` sections, each one whole encoded AMQP message; the
// envelope's message-annotations repeat the first event's (so the partition key). Other clients
// send one plain message (format 0).

export const BATCH_MESSAGE_FORMAT = 0x80013700;
export const PARTITION_KEY_ANNOTATION = 'x-opt-partition-key';

export interface DecodedTransfer {
  events: NewEvent[];
  /** The key routing the whole transfer, from the envelope (or the single message). */
  partitionKey?: string;
}

function eventFrom(message: Buffer, fallbackKey: string | undefined): NewEvent {
  const sections = splitSections(message);
  const annotations = sections.find((section) => section.code === SECTION.messageAnnotations);
  const partitionKey = annotationString(annotations, PARTITION_KEY_ANNOTATION) ?? fallbackKey;
  return { message: new Uint8Array(message), ...(partitionKey !== undefined ? { partitionKey } : {}) };
}

export function decodeTransfer(payload: Buffer, messageFormat: number | undefined): DecodedTransfer {
  const format = messageFormat ?? 0;
  if (format === 0) {
    const event = eventFrom(payload, undefined);
    return { events: [event], ...(event.partitionKey !== undefined ? { partitionKey: event.partitionKey } : {}) };
  }
  if (format !== BATCH_MESSAGE_FORMAT) {
    throw new AmqpDecodeError(`message-format ${format} is not supported; expected 0 or 0x80013700`);
  }
  const envelope = splitSections(payload);
  const annotations = envelope.find((section) => section.code === SECTION.messageAnnotations);
  const partitionKey = annotationString(annotations, PARTITION_KEY_ANNOTATION);
  const events: NewEvent[] = [];
  for (const section of envelope) {
    if (section.code !== SECTION.data) continue;
    if (!Buffer.isBuffer(section.value.value)) throw new AmqpDecodeError('expected each batch data section to hold binary');
    events.push(eventFrom(section.value.value, partitionKey));
  }
  if (events.length === 0) throw new AmqpDecodeError('expected a batch envelope with at least one data section, got none');
  return { events, ...(partitionKey !== undefined ? { partitionKey } : {}) };
}
