import fc from 'fast-check';

// Encoded AMQP 1.0 values (AMQP 1.0 §1.6) as raw bytes, including the lies a hostile peer tells:
// sizes and element counts that do not match the bytes present, zero-width array elements
// counted in billions (issue 10 finding 3), descriptors nested without end.

const u32 = (value: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
};
const count = fc.oneof(fc.nat({ max: 8 }), fc.constantFrom(0xff, 0xffff, 0x7fffffff, 0xffffffff, 2 ** 31));
const small = fc.oneof(fc.nat({ max: 8 }), fc.constant(0xff));

const scalar: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(Buffer.from([0x40]), Buffer.from([0x41]), Buffer.from([0x42]), Buffer.from([0x43]), Buffer.from([0x44])),
  fc.tuple(fc.constantFrom(0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56), fc.nat({ max: 255 })).map(([code, byte]) => Buffer.from([code, byte])),
  fc.tuple(fc.constantFrom(0x60, 0x61), fc.nat({ max: 65535 })).map(([code, value]) => Buffer.from([code, value >> 8, value & 255])),
  fc.tuple(fc.constantFrom(0x70, 0x71, 0x72, 0x73), fc.nat()).map(([code, value]) => Buffer.concat([Buffer.from([code]), u32(value)])),
  fc.tuple(fc.constantFrom(0x80, 0x81, 0x82, 0x83, 0x84, 0x98), fc.uint8Array({ minLength: 8, maxLength: 8 })).map(([code, bytes]) => Buffer.concat([Buffer.from([code]), bytes])),
  fc.tuple(fc.constantFrom(0xa0, 0xa1, 0xa3), small, fc.uint8Array({ maxLength: 12 })).map(([code, size, bytes]) => Buffer.concat([Buffer.from([code, size]), bytes])),
  fc.tuple(fc.constantFrom(0xb0, 0xb1, 0xb3), count, fc.uint8Array({ maxLength: 12 })).map(([code, size, bytes]) => Buffer.concat([Buffer.from([code]), u32(size), bytes])),
);

export const amqpValue: fc.Arbitrary<Buffer> = fc.letrec<{ value: Buffer }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    // list8/map8: size and count bytes as given (they may lie), then the items.
    fc.tuple(fc.constantFrom(0xc0, 0xc1), small, small, fc.array(tie('value'), { maxLength: 4 })).map(([code, size, n, items]) => Buffer.concat([Buffer.from([code, size, n]), ...items])),
    fc.tuple(fc.constantFrom(0xd0, 0xd1), count, count, fc.array(tie('value'), { maxLength: 4 })).map(([code, size, n, items]) => Buffer.concat([Buffer.from([code]), u32(size), u32(n), ...items])),
    // array8/array32: one element constructor, then element bodies without constructors.
    fc.tuple(fc.constantFrom(0xe0, 0xf0), count, count, fc.constantFrom(0x40, 0x41, 0x42, 0x43, 0x44, 0x50, 0x52, 0xa1, 0xb1, 0xc0, 0xd0, 0xe0, 0x00), fc.uint8Array({ maxLength: 12 })).map(
      ([code, size, n, element, bytes]) => (code === 0xe0 ? Buffer.concat([Buffer.from([code, size & 255, n & 255, element]), bytes]) : Buffer.concat([Buffer.from([code]), u32(size), u32(n), Buffer.from([element]), bytes])),
    ),
    fc.tuple(tie('value'), tie('value')).map(([descriptor, value]) => Buffer.concat([Buffer.from([0x00]), descriptor, value])),
  ),
})).value;

/** A described section or performative: 0x00 0x53 <code> <value>. */
export function described(codes: readonly number[]): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.constantFrom(...codes), amqpValue).map(([code, value]) => Buffer.concat([Buffer.from([0x00, 0x53, code]), value]));
}

/** One AMQP frame (size, doff 2, type, channel) around `body`. */
export function frame(body: Buffer, type = 0, channel = 0): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header[4] = 2;
  header[5] = type;
  header.writeUInt16BE(channel, 6);
  return Buffer.concat([header, body]);
}

/** The bombs of finding 3, spelled out: zero-width elements counted to 2^32−1 in 35 bytes or less. */
export const COUNT_BOMBS: Buffer[] = [
  Buffer.from([0xf0, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0x40]),
  Buffer.from([0xe0, 2, 0xff, 0x40]),
  Buffer.from([0xd0, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff]),
  Buffer.from([0xd1, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfe]),
  Buffer.from([0xf0, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0xe0]),
];
