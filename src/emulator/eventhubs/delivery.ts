import { amqpTypes, encodeMapSection, mapEntries, SECTION, splitSections, type TypedValue } from './amqp-sections.js';
import type { StoredEvent } from './log/memory-log.js';
import type { PartitionProperties } from './partition.js';

// The message a consumer receives (docs/protocol/eventhubs.md §6.3): the producer's sections unchanged, plus the
// service annotations x-opt-sequence-number (long), x-opt-offset (string), x-opt-enqueued-time
// (timestamp) and x-opt-partition-key, and — with runtime metrics on — delivery-annotations
// describing the partition's last enqueued event.

const SERVICE_ANNOTATIONS = new Set(['x-opt-sequence-number', 'x-opt-offset', 'x-opt-enqueued-time', 'x-opt-partition-key']);

const symbol = (name: string): TypedValue => amqpTypes.wrap_symbol(name);

function serviceAnnotations(event: StoredEvent): Array<[TypedValue, TypedValue]> {
  const entries: Array<[TypedValue, TypedValue]> = [
    [symbol('x-opt-sequence-number'), amqpTypes.wrap_long(event.sequenceNumber)],
    [symbol('x-opt-offset'), amqpTypes.wrap_string(String(event.offset))],
    [symbol('x-opt-enqueued-time'), amqpTypes.wrap_timestamp(event.enqueuedTime)],
  ];
  if (event.partitionKey !== undefined) entries.push([symbol('x-opt-partition-key'), amqpTypes.wrap_string(event.partitionKey)]);
  return entries;
}

function runtimeAnnotations(runtime: PartitionProperties, now: number): Array<[TypedValue, TypedValue]> {
  return [
    [symbol('last_enqueued_sequence_number'), amqpTypes.wrap_long(runtime.lastEnqueuedSequenceNumber)],
    [symbol('last_enqueued_offset'), amqpTypes.wrap_string(runtime.lastEnqueuedOffset)],
    [symbol('last_enqueued_time_utc'), amqpTypes.wrap_timestamp(runtime.lastEnqueuedTime.getTime())],
    [symbol('runtime_info_retrieval_time_utc'), amqpTypes.wrap_timestamp(now)],
  ];
}

export function encodeDelivery(event: StoredEvent, runtime?: PartitionProperties, now = Date.now()): Buffer {
  const sections = splitSections(Buffer.from(event.message.buffer, event.message.byteOffset, event.message.byteLength));
  const original = sections.find((section) => section.code === SECTION.messageAnnotations);
  const kept = mapEntries(original).filter(([key]) => !SERVICE_ANNOTATIONS.has(String(key.value)));
  const parts: Buffer[] = [];
  const header = sections.find((section) => section.code === SECTION.header);
  if (header) parts.push(header.bytes);
  if (runtime) parts.push(encodeMapSection(SECTION.deliveryAnnotations, runtimeAnnotations(runtime, now)));
  parts.push(encodeMapSection(SECTION.messageAnnotations, [...kept, ...serviceAnnotations(event)]));
  for (const section of sections) {
    if (section.code > SECTION.messageAnnotations) parts.push(section.bytes);
  }
  return Buffer.concat(parts);
}
