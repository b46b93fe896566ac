import fc from 'fast-check';
import rhea from 'rhea';

// Arbitrary encoded AMQP messages for property tests of the emulator's byte-level message
// handling: each section encoded by rhea on its own, a message any run of them (any order,
// repeats), annotations that use the service's own names.

export const SERVICE_ANNOTATIONS = ['x-opt-sequence-number', 'x-opt-offset', 'x-opt-enqueued-time', 'x-opt-partition-key'];

const encode = (rhea as unknown as { message: { encode(message: object): Buffer } }).message.encode;
export const text = fc.string({ maxLength: 300 });
const annotationValue = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.double({ min: -1e6, max: 1e6, noNaN: true }));
const annotations = fc.dictionary(fc.oneof(fc.constantFrom(...SERVICE_ANNOTATIONS, 'x-opt-other', 'com.example:tag'), fc.string({ minLength: 1, maxLength: 8 })), annotationValue, { maxKeys: 5 });
/** Each section on its own, as rhea encodes it: the message is any run of them. */
export const section = fc.oneof(
  fc.record({ durable: fc.boolean(), priority: fc.nat({ max: 9 }), ttl: fc.nat() }).map((header) => encode({ header } as object)),
  annotations.map((map) => encode({ delivery_annotations: map } as object)),
  annotations.map((map) => encode({ message_annotations: map } as object)),
  fc.record({ message_id: text, subject: text }).map((properties) => encode({ properties } as object)),
  fc.dictionary(fc.string({ maxLength: 8 }), annotationValue, { maxKeys: 4 }).map((map) => encode({ application_properties: map } as object)),
  fc.uint8Array({ maxLength: 400 }).map((bytes) => encode({ body: rhea.message.data_section(Buffer.from(bytes)) })),
  fc.oneof(text, fc.integer(), fc.array(fc.integer(), { maxLength: 4 })).map((body) => encode({ body })),
  fc.dictionary(fc.string({ maxLength: 8 }), text, { maxKeys: 2 }).map((map) => encode({ footer: map } as object)),
);
const NAMES: Record<number, string> = {
  0x70: 'amqp:header:list',
  0x71: 'amqp:delivery-annotations:map',
  0x72: 'amqp:message-annotations:map',
  0x73: 'amqp:properties:list',
  0x74: 'amqp:application-properties:map',
  0x75: 'amqp:data:binary',
  0x76: 'amqp:amqp-sequence:list',
  0x77: 'amqp:amqp-value:*',
  0x78: 'amqp:footer:map',
};

/** The same section with its descriptor spelled as a symbol (AMQP 1.0 §3.2), as some clients write it. */
function symbolic(bytes: Buffer): Buffer {
  const name = Buffer.from(NAMES[bytes[2]!]!, 'ascii');
  return Buffer.concat([Buffer.from([0x00, 0xa3, name.length]), name, bytes.subarray(3)]);
}

export const message = fc.array(fc.tuple(section, fc.boolean()).map(([bytes, spelled]) => (spelled ? symbolic(bytes) : bytes)), { minLength: 1, maxLength: 8 }).map((parts) => new Uint8Array(Buffer.concat(parts)));
