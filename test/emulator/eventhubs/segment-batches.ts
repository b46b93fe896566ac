import rhea from 'rhea';
import { BATCH_MESSAGE_FORMAT, decodeTransfer } from '../../../src/emulator/eventhubs/batch.js';
import type { EventBatch } from '../../../src/emulator/eventhubs/log/events.js';

// Batches as a producer's transfer brings them, for tests of the segment format (log/segment-codec.ts):
// an AMQP batch envelope (message-format 0x80013700) whose data sections are the events, decoded
// by the same scan the producer link uses.

const encode = (rhea as unknown as { message: { encode(message: object): Buffer } }).message.encode;

/** A batch envelope holding `events` (each a whole encoded message), with the envelope's partition key. */
export function envelopeBytes(events: Uint8Array[], partitionKey?: string): Buffer {
  return encode({
    ...(partitionKey === undefined ? {} : { message_annotations: { 'x-opt-partition-key': partitionKey } }),
    body: rhea.message.data_sections(events.map((event) => Buffer.from(event))),
  });
}

export function envelopeBatch(events: Uint8Array[], partitionKey?: string): EventBatch {
  return decodeTransfer(envelopeBytes(events, partitionKey), BATCH_MESSAGE_FORMAT).batch;
}

/** An encoded AMQP message whose body is `text` (a data section). */
export function amqpMessage(text: string): Uint8Array {
  return new Uint8Array(encode({ body: rhea.message.data_section(Buffer.from(text)) }));
}
