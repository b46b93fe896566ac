import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { crc32Of, crc32Slicing } from '../../../src/emulator/eventhubs/log/crc32.js';

// Segment records carry zlib's CRC-32; the log computes it in JS over a range of a buffer
// (log/crc32.ts). Property: the same number as zlib.crc32 of that range, for any bytes and range.

test('crc32Of a range equals zlib.crc32 of that range', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.nat(), (bytes, a, b) => {
      const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
      const end = start + (bytes.length - start === 0 ? 0 : b % (bytes.length - start + 1));
      expect(crc32Of(bytes, start, end)).toBe(crc32(bytes.subarray(start, end)));
      expect(crc32Slicing(bytes, start, end)).toBe(crc32(bytes.subarray(start, end)));
    }),
    { numRuns: 2000 },
  );
});

test('a checksum continued over a second range equals the checksum of both ranges together', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 600 }), (head, tail) => {
      const whole = crc32(Buffer.concat([head, tail]));
      expect(crc32Of(tail, 0, tail.length, crc32Of(head))).toBe(whole);
      expect(crc32Slicing(tail, 0, tail.length, crc32Slicing(head))).toBe(whole);
    }),
    { numRuns: 1000 },
  );
});
