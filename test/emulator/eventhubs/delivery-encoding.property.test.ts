import fc from 'fast-check';
import { expect, test } from 'vitest';
import { amqpTypes, encodeMapSection, mapEntries, SECTION, splitSections, type TypedValue } from '../../../src/emulator/eventhubs/amqp-sections.js';
import { encodeDelivery } from '../../../src/emulator/eventhubs/delivery.js';
import type { StoredEvent } from '../../../src/emulator/eventhubs/log/memory-log.js';
import type { PartitionProperties } from '../../../src/emulator/eventhubs/partition.js';
import { message, SERVICE_ANNOTATIONS as SERVICE, text } from './amqp-messages.js';

// Deliveries are written straight from the stored bytes (delivery.ts). Property: for any stored
// message — any sections, in any order, repeated, with producer annotations under the service's
// own names — the bytes equal what decoding every section with rhea and re-encoding the
// annotations gives (the emulator's earlier encoder, kept here as the reference).

const symbol = (name: string): TypedValue => amqpTypes.wrap_symbol(name);

function referenceEncoding(event: StoredEvent, runtime?: PartitionProperties, now = 0): Buffer {
  const sections = splitSections(Buffer.from(event.message));
  const kept = mapEntries(sections.find((section) => section.code === SECTION.messageAnnotations)).filter(([key]) => !SERVICE.includes(String(key.value)));
  const service: Array<[TypedValue, TypedValue]> = [
    [symbol('x-opt-sequence-number'), amqpTypes.wrap_long(event.sequenceNumber)],
    [symbol('x-opt-offset'), amqpTypes.wrap_string(String(event.offset))],
    [symbol('x-opt-enqueued-time'), amqpTypes.wrap_timestamp(event.enqueuedTime)],
  ];
  if (event.partitionKey !== undefined) service.push([symbol('x-opt-partition-key'), amqpTypes.wrap_string(event.partitionKey)]);
  const parts: Buffer[] = [];
  const header = sections.find((section) => section.code === SECTION.header);
  if (header) parts.push(header.bytes);
  if (runtime) {
    parts.push(
      encodeMapSection(SECTION.deliveryAnnotations, [
        [symbol('last_enqueued_sequence_number'), amqpTypes.wrap_long(runtime.lastEnqueuedSequenceNumber)],
        [symbol('last_enqueued_offset'), amqpTypes.wrap_string(runtime.lastEnqueuedOffset)],
        [symbol('last_enqueued_time_utc'), amqpTypes.wrap_timestamp(runtime.lastEnqueuedTime.getTime())],
        [symbol('runtime_info_retrieval_time_utc'), amqpTypes.wrap_timestamp(now)],
      ]),
    );
  }
  parts.push(encodeMapSection(SECTION.messageAnnotations, [...kept, ...service]));
  for (const section of sections) if (section.code > SECTION.messageAnnotations) parts.push(section.bytes);
  return Buffer.concat(parts);
}

const stored = fc.record({
  message,
  sequenceNumber: fc.oneof(fc.nat({ max: 200 }), fc.maxSafeNat()),
  offset: fc.maxSafeNat(),
  enqueuedTime: fc.integer({ min: 0, max: 4102444800000 }),
  partitionKey: fc.option(text, { nil: undefined }),
});
const runtime = fc.option(
  fc.record({
    lastEnqueuedSequenceNumber: fc.integer({ min: -1, max: 2 ** 40 }),
    lastEnqueuedOffset: fc.oneof(fc.constant('-1'), fc.nat().map(String)),
    lastEnqueuedTime: fc.integer({ min: 0, max: 4102444800000 }).map((ms) => new Date(ms)),
  }),
  { nil: undefined },
);

test('a delivery written from the stored bytes equals the one a full decode and re-encode gives', () => {
  fc.assert(
    fc.property(stored, runtime, (event, metrics) => {
      const properties = metrics && ({ ...metrics, hub: 'h', partitionId: '0', beginSequenceNumber: 0, isEmpty: false } satisfies PartitionProperties);
      const { partitionKey, ...rest } = event;
      const input: StoredEvent = partitionKey === undefined ? rest : event;
      expect(encodeDelivery(input, properties, 1234)).toEqual(referenceEncoding(input, properties, 1234));
    }),
    { numRuns: 400 },
  );
});
