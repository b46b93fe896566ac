import fc from 'fast-check';
import rhea from 'rhea';
import { describe, expect, test } from 'vitest';
import { AmqpStructureError, MAX_NESTING, walkSequence, walkValue } from '../../../src/emulator/eventhubs/amqp-structure.js';
import { FrameGuard } from '../../../src/emulator/eventhubs/frame-guard.js';
import { isMessageSection } from '../../../src/emulator/eventhubs/transfer-tracker.js';

// The structural walk that runs before rhea decodes a frame (issue 10 #3): it must refuse every
// count or size the bytes cannot hold, and whatever it accepts rhea must read to the same end.

const AMQP_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0]);
function openFrame(field: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from([0x00, 0x53, 0x10, 0xc0, field.length + 1, 1]), field]);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head[4] = 2;
  return Buffer.concat([AMQP_HEADER, head, body]);
}

const rheaReads = (bytes: Buffer): number => {
  const reader = new (rhea.types as unknown as { Reader: new (buffer: Buffer) => { read(): unknown; position: number } }).Reader(bytes);
  reader.read();
  return reader.position;
};

describe('frame guard structure check', () => {
  test.each([
    ['array32 of 2^32-1 nulls', [0xf0, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0x40]],
    ['array8 of 255 trues in 2 bytes', [0xe0, 2, 0xff, 0x41]],
    ['list32 of 2^32-1 elements', [0xd0, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff]],
    ['map32 of 2^32-2 elements', [0xd1, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfe]],
    ['vbin32 of 4 GiB', [0xb0, 0xff, 0xff, 0xff, 0xff]],
    ['str32 of 4 GiB', [0xb1, 0xff, 0xff, 0xff, 0xff]],
    ['sym8 past the frame', [0xa3, 200, 0x61]],
    ['list8 whose items overrun its size', [0xc0, 2, 1, 0xa1, 5, 0x61, 0x61, 0x61, 0x61, 0x61]],
    ['map with an odd count', [0xc1, 2, 1, 0x40]],
    ['unknown typecode', [0x33]],
    ['array8 of zero elements of an unknown type', [0xe0, 2, 0, 0x01]],
  ])('an open holding %s is a decode-error before rhea sees it', (_name, field) => {
    const guard = new FrameGuard(65536);
    const { actions, violation } = guard.push(openFrame(Buffer.from(field)));
    expect(violation?.condition).toBe('amqp:decode-error');
    // Only the protocol header went on to rhea.
    expect(Buffer.concat(actions.map((action) => (action.kind === 'forward' ? action.bytes : Buffer.alloc(0))))).toEqual(AMQP_HEADER);
  });

  test('nesting deeper than the bound is refused without recursing further', () => {
    const deep = Buffer.concat([...Array.from({ length: MAX_NESTING + 2 }, () => Buffer.from([0x00, 0x53, 0x01])), Buffer.from([0x40])]);
    expect(() => walkValue(deep, 0, deep.length)).toThrow(AmqpStructureError);
  });

  test('a valid open split across every chunk size passes whole, and rhea reads it', () => {
    const stream = openFrame(Buffer.from([0xa1, 3, 0x61, 0x62, 0x63]));
    for (const step of [1, 2, 5, 9, stream.length]) {
      const guard = new FrameGuard(65536);
      const forwarded: Buffer[] = [];
      for (let at = 0; at < stream.length; at += step) {
        const { actions, violation } = guard.push(stream.subarray(at, at + step));
        expect(violation).toBeUndefined();
        for (const action of actions) if (action.kind === 'forward') forwarded.push(action.bytes);
      }
      expect(Buffer.concat(forwarded)).toEqual(stream);
    }
  });
});

describe('properties', () => {
  const typecodes = [0x00, 0x40, 0x41, 0x43, 0x45, 0x50, 0x53, 0x70, 0x80, 0x98, 0xa0, 0xa1, 0xa3, 0xb0, 0xc0, 0xc1, 0xd0, 0xe0, 0xf0, 0xff];
  const bytes = fc.array(fc.oneof(fc.constantFrom(...typecodes), fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 1, 2, 0xff)), { maxLength: 64 }).map((values) => Buffer.from(values));

  test('whatever the walk accepts, rhea reads to the same end without throwing', () => {
    fc.assert(
      fc.property(bytes, (buffer) => {
        let end: number;
        try {
          end = walkValue(buffer, 0, buffer.length);
        } catch (error) {
          expect(error).toBeInstanceOf(AmqpStructureError);
          return;
        }
        expect(end).toBeLessThanOrEqual(buffer.length);
        expect(rheaReads(buffer.subarray(0, end))).toBe(end);
      }),
      { numRuns: 2000 },
    );
  });

  test('every message rhea encodes passes the section walk', () => {
    // (rhea cannot encode integers past 2^32 in JSON-like bodies, so plain integers here.)
    const { value } = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', maxDepth: 6 },
        fc.string(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
      ),
    }));
    fc.assert(
      fc.property(value, fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())), (body, properties) => {
        const encoded = rhea.message.encode({ body, application_properties: properties, message_id: 'm' } as never);
        walkSequence(encoded, 0, encoded.length, isMessageSection);
      }),
      { numRuns: 500 },
    );
  });
});
