// CRC-32 (IEEE 802.3, the polynomial of zlib's crc32 and of the segment format) over a range of
// a buffer, eight bytes per step with eight tables (the "slicing-by-8" method). Segment records
// are small (an event each): one native zlib call per record, plus the view it needs, costs about
// three times this loop.

const TABLES = new Int32Array(256 * 8);
for (let byte = 0; byte < 256; byte++) {
  let crc = byte;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  TABLES[byte] = crc;
}
for (let byte = 0; byte < 256; byte++) {
  let crc = TABLES[byte]!;
  for (let table = 1; table < 8; table++) {
    crc = TABLES[crc & 0xff]! ^ (crc >>> 8);
    TABLES[table * 256 + byte] = crc;
  }
}

/** crc32 of `bytes[start, end)`, as zlib.crc32 computes it. */
export function crc32Of(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = TABLES;
  let crc = -1;
  let at = start;
  for (; at + 8 <= end; at += 8) {
    const low = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) ^ crc;
    crc =
      t[1792 + (low & 0xff)]! ^
      t[1536 + ((low >>> 8) & 0xff)]! ^
      t[1280 + ((low >>> 16) & 0xff)]! ^
      t[1024 + (low >>> 24)]! ^
      t[768 + bytes[at + 4]!]! ^
      t[512 + bytes[at + 5]!]! ^
      t[256 + bytes[at + 6]!]! ^
      t[bytes[at + 7]!]!;
  }
  for (; at < end; at++) crc = t[(crc ^ bytes[at]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
