import * as zlib from 'node:zlib';

// CRC-32 (IEEE 802.3, the polynomial of zlib's crc32 and of the segment format) over a range of
// a buffer. A segment record is one append (segment-codec.ts): a whole batch transfer runs through
// zlib's crc32 (~18 µs for 115 KB, several times this JS loop); short ranges (a record header, a
// one-event record) use the JS loop below, sixteen bytes per step with sixteen tables
// ("slicing-by-16"), which beats a native call plus the view it needs.

/** zlib.crc32 exists from Node 20.15 / 22.2; older Nodes use the JS loop for everything. */
const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
/** From this many bytes on, one native call is cheaper than the loop. */
const NATIVE_FROM = 256;

const TABLES = new Int32Array(256 * 16);
for (let byte = 0; byte < 256; byte++) {
  let crc = byte;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  TABLES[byte] = crc;
}
for (let byte = 0; byte < 256; byte++) {
  let crc = TABLES[byte]!;
  for (let table = 1; table < 16; table++) {
    crc = TABLES[crc & 0xff]! ^ (crc >>> 8);
    TABLES[table * 256 + byte] = crc;
  }
}

/** crc32 of `bytes[start, end)`, as zlib.crc32 computes it; `previous` continues a checksum over earlier bytes. */
export function crc32Of(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  if (native && end - start >= NATIVE_FROM) return native(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end), previous);
  return crc32Slicing(bytes, start, end, previous);
}

/** The JS loop alone (crc32Of uses it for short ranges). */
export function crc32Slicing(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  const t = TABLES;
  let crc = previous ^ -1;
  let at = start;
  for (; at + 16 <= end; at += 16) {
    const low = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) ^ crc;
    crc =
      t[3840 + (low & 0xff)]! ^
      t[3584 + ((low >>> 8) & 0xff)]! ^
      t[3328 + ((low >>> 16) & 0xff)]! ^
      t[3072 + (low >>> 24)]! ^
      t[2816 + bytes[at + 4]!]! ^
      t[2560 + bytes[at + 5]!]! ^
      t[2304 + bytes[at + 6]!]! ^
      t[2048 + bytes[at + 7]!]! ^
      t[1792 + bytes[at + 8]!]! ^
      t[1536 + bytes[at + 9]!]! ^
      t[1280 + bytes[at + 10]!]! ^
      t[1024 + bytes[at + 11]!]! ^
      t[768 + bytes[at + 12]!]! ^
      t[512 + bytes[at + 13]!]! ^
      t[256 + bytes[at + 14]!]! ^
      t[bytes[at + 15]!]!;
  }
  for (; at < end; at++) crc = t[(crc ^ bytes[at]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
