import { mapEntries, SECTION, splitSections } from '../amqp-sections.js';
import { PARTITION_KEY_ANNOTATION } from '../batch.js';
import type { NewEvent, StoredEvent } from '../log/memory-log.js';
import type { KafkaHeader, KafkaRecord } from './records.js';

// One log for both protocols (https://learn.microsoft.com/azure/event-hubs/event-hubs-exchange-events-different-protocols):
// a Kafka record is stored as the AMQP message an Event Hubs client would have sent — key →
// x-opt-partition-key, headers → application-properties, value → one data section — and an AMQP
// event is shown to Kafka consumers the other way round, its offset being the sequence number and
// its timestamp the enqueued time. The service hands AMQP readers header values as binary; we give
// UTF-8 ones as strings (the choice, easier for SDK users) and keep other bytes binary [U].

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8OrUndefined(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** AMQP 1.0 §1.6: sym32 / str32 / vbin32 / null, and a described section around a map32. */
function amqpSymbol(name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  const head = Buffer.allocUnsafe(5);
  head[0] = 0xb3;
  head.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

function amqpTagged(code: number, bytes: Buffer): Buffer {
  const head = Buffer.allocUnsafe(5);
  head[0] = code;
  head.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

const amqpString = (text: string): Buffer => amqpTagged(0xb1, Buffer.from(text, 'utf8'));
const amqpBinary = (bytes: Buffer): Buffer => amqpTagged(0xb0, bytes);

function mapSection(code: number, entries: Array<[Buffer, Buffer]>): Buffer {
  const body = Buffer.concat(entries.flat());
  const head = Buffer.allocUnsafe(3 + 1 + 8);
  head[0] = 0x00;
  head[1] = 0x53;
  head[2] = code;
  head[3] = 0xd1;
  head.writeUInt32BE(body.length + 4, 4);
  head.writeUInt32BE(entries.length * 2, 8);
  return Buffer.concat([head, body]);
}

export function kafkaKeyToPartitionKey(key: Buffer | null): string | undefined {
  return key === null ? undefined : key.toString('utf8');
}

export function recordToEvent(record: KafkaRecord): NewEvent {
  const parts: Buffer[] = [];
  const partitionKey = kafkaKeyToPartitionKey(record.key);
  if (partitionKey !== undefined) {
    parts.push(mapSection(SECTION.messageAnnotations, [[amqpSymbol(PARTITION_KEY_ANNOTATION), amqpString(partitionKey)]]));
  }
  if (record.headers.length > 0) {
    // Kafka allows a header name twice; an AMQP map does not, so the last one wins.
    const byName = new Map<string, Buffer | null>();
    for (const header of record.headers) byName.set(header.key, header.value);
    const entries: Array<[Buffer, Buffer]> = [];
    for (const [name, value] of byName) {
      const text = value === null ? undefined : utf8OrUndefined(value);
      entries.push([amqpString(name), value === null ? Buffer.from([0x40]) : text !== undefined ? amqpString(text) : amqpBinary(value)]);
    }
    parts.push(mapSection(SECTION.applicationProperties, entries));
  }
  parts.push(Buffer.from([0x00, 0x53, SECTION.data]), amqpBinary(record.value ?? Buffer.alloc(0)));
  return { message: new Uint8Array(Buffer.concat(parts)), ...(partitionKey !== undefined ? { partitionKey } : {}) };
}

function valueBytes(value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Date) return Buffer.from(value.toISOString(), 'utf8');
  if (typeof value === 'object') return Buffer.from(JSON.stringify(value), 'utf8');
  return Buffer.from(String(value), 'utf8');
}

/** An event as a Kafka consumer sees it; bodies that are not `data` sections are sent as their text / JSON. */
export function eventToRecord(event: StoredEvent): KafkaRecord {
  const sections = splitSections(Buffer.from(event.message.buffer, event.message.byteOffset, event.message.byteLength));
  const headers: KafkaHeader[] = [];
  const body: Buffer[] = [];
  for (const section of sections) {
    if (section.code === SECTION.applicationProperties) {
      for (const [name, value] of mapEntries(section)) headers.push({ key: String(name.value), value: valueBytes(value.value) });
    } else if (section.code === SECTION.data) {
      const data = section.value.value;
      if (Buffer.isBuffer(data)) body.push(data);
    } else if (section.code === SECTION.value || section.code === SECTION.sequence) {
      const bytes = valueBytes(section.value.value);
      if (bytes) body.push(bytes);
    }
  }
  return {
    key: event.partitionKey === undefined ? null : Buffer.from(event.partitionKey, 'utf8'),
    value: Buffer.concat(body),
    headers,
    timestamp: event.enqueuedTime,
  };
}
