import fc from 'fast-check';
import rhea from 'rhea';
import { expect, test } from 'vitest';
import { AmqpDecodeError, annotationString, SECTION, splitSections } from '../../../src/emulator/eventhubs/amqp-sections.js';
import { BATCH_MESSAGE_FORMAT, decodeTransfer, eventsOf } from '../../../src/emulator/eventhubs/batch.js';
import { mutate, mutationsArb } from '../../reliability/harness/mutate.js';
import { message, text } from './amqp-messages.js';

// A producer's transfer is split into events by a byte scan (batch.ts). Properties: whatever the
// scan accepts, a full decode of every section with rhea accepts too and finds the same events
// and partition keys (the emulator's earlier decoder, kept here as the reference); whatever it
// refuses is an AmqpDecodeError (so the producer gets amqp:decode-error), never another error.

interface ReferenceEvent {
  message: Buffer;
  partitionKey?: string;
}

function referenceEvent(bytes: Buffer, fallback: string | undefined): ReferenceEvent {
  const annotations = splitSections(bytes).find((section) => section.code === SECTION.messageAnnotations);
  const partitionKey = annotationString(annotations, 'x-opt-partition-key') ?? fallback;
  return partitionKey === undefined ? { message: bytes } : { message: bytes, partitionKey };
}

function referenceDecode(payload: Buffer, format: number): ReferenceEvent[] {
  if (format === 0) return [referenceEvent(payload, undefined)];
  const envelope = splitSections(payload);
  const key = annotationString(envelope.find((section) => section.code === SECTION.messageAnnotations), 'x-opt-partition-key');
  const events: ReferenceEvent[] = [];
  for (const section of envelope) {
    if (section.code !== SECTION.data) continue;
    if (!Buffer.isBuffer(section.value.value)) throw new AmqpDecodeError('expected binary');
    events.push(referenceEvent(section.value.value, key));
  }
  if (events.length === 0) throw new AmqpDecodeError('no data section');
  return events;
}

const encode = (rhea as unknown as { message: { encode(message: object): Buffer } }).message.encode;
const envelope = fc
  .record({ events: fc.array(message, { minLength: 1, maxLength: 12 }), key: fc.option(text, { nil: undefined }) })
  .map(({ events, key }) =>
    encode({
      ...(key === undefined ? {} : { message_annotations: { 'x-opt-partition-key': key } }),
      body: rhea.message.data_sections(events.map((event) => Buffer.from(event))),
    }),
  );
const transfer = fc.oneof(
  envelope.map((payload) => ({ payload, format: BATCH_MESSAGE_FORMAT })),
  message.map((payload) => ({ payload: Buffer.from(payload), format: 0 })),
);

function scanned(payload: Buffer, format: number): ReferenceEvent[] {
  return eventsOf(decodeTransfer(payload, format).batch).map((event) => ({ ...event, message: Buffer.from(event.message) }));
}

test('the scan finds the events and keys a full decode finds', () => {
  fc.assert(
    fc.property(transfer, ({ payload, format }) => {
      expect(scanned(payload, format)).toEqual(referenceDecode(payload, format));
    }),
    { numRuns: 300 },
  );
});

test('a damaged transfer is refused with AmqpDecodeError, or read as a full decode reads it', () => {
  fc.assert(
    fc.property(transfer, mutationsArb, ({ payload, format }, mutations) => {
      const damaged = Buffer.from(mutate(payload, mutations));
      let events: ReferenceEvent[];
      try {
        events = scanned(damaged, format);
      } catch (error) {
        expect(error).toBeInstanceOf(AmqpDecodeError);
        return;
      }
      expect(events).toEqual(referenceDecode(damaged, format));
    }),
    { numRuns: 1000 },
  );
});

test('message annotations that are not a map are refused, not read as "no partition key"', () => {
  // Found by the property above: one bit turned the envelope's annotations map32 (0xd1) into a list32 (0xd0).
  const payload = encode({ message_annotations: { 'x-opt-partition-key': ' ' }, body: rhea.message.data_sections([Buffer.from(encode({ body: 'x' }))]) });
  const at = payload.indexOf(Buffer.from([0x00, 0x53, 0x72, 0xd1]));
  expect(at).toBeGreaterThanOrEqual(0);
  const damaged = Buffer.from(payload);
  damaged[at + 3] = 0xd0;
  expect(() => scanned(damaged, BATCH_MESSAGE_FORMAT)).toThrow(AmqpDecodeError);
  expect(scanned(payload, BATCH_MESSAGE_FORMAT)[0]!.partitionKey).toBe(' ');
});
