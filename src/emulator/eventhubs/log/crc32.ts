// CRC-32 (IEEE 802.3, the polynomial of zlib's crc32 and of the segment format) over a range of
// a buffer, sixteen bytes per step with sixteen tables ("slicing-by-16"). Segment records are
// small (an event each): one native zlib call per record, plus the view it needs, costs about
// three times this loop.

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

/** crc32 of `bytes[start, end)`, as zlib.crc32 computes it. */
export function crc32Of(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = TABLES;
  let crc = -1;
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
