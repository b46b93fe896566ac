import { AmqpStructureError, describedAt, walkValue } from './amqp-structure.js';
import { AmqpDecodeError, SECTION, SECTION_BY_NAME } from './amqp-sections.js';

// Byte-level walks over an encoded AMQP message (AMQP 1.0 §3.2) for the hot paths: ingest and
// delivery look at section boundaries and at one annotation, never at the body, so nothing is
// decoded into objects. Every size is checked against the bytes present (amqp-structure.ts), so
// a malformed message is an AmqpDecodeError here as it would be with a full decode.

/** What scanSection found last: reused, so a scan allocates nothing. */
export const scanned = { code: 0, valueAt: 0 };

/**
 * The end of the described section at `position` (its code and value position in `scanned`).
 * Throws AmqpDecodeError when it is not a message section or does not fit in `[position, end)`.
 */
export function scanSection(bytes: Uint8Array, position: number, end: number): number {
  try {
    let code: number | undefined;
    let valueAt: number;
    if (bytes[position] === 0x00 && bytes[position + 1] === 0x53 && position + 4 <= end) {
      code = bytes[position + 2]!;
      valueAt = position + 3;
    } else {
      if (bytes[position] !== 0x00) throw new AmqpDecodeError('expected a described message section (0x70–0x78), got another value');
      const described = describedAt(bytes, position, end)!;
      code = typeof described.descriptor === 'string' ? SECTION_BY_NAME[described.descriptor] : described.descriptor;
      valueAt = described.valueAt;
    }
    if (code === undefined || code < SECTION.header || code > SECTION.footer) {
      throw new AmqpDecodeError('expected a described message section (0x70–0x78), got another value');
    }
    let sectionEnd: number;
    const type = bytes[valueAt];
    // A data section's binary is the common case: its length is all there is to check; rhea
    // writes an empty header and properties as list0.
    if (type === 0x45 || type === 0x40) sectionEnd = valueAt + 1;
    else if (type === 0xa0 && valueAt + 2 <= end) sectionEnd = valueAt + 2 + bytes[valueAt + 1]!;
    else if (type === 0xb0 && valueAt + 5 <= end) sectionEnd = valueAt + 5 + readUint32(bytes, valueAt + 1);
    else sectionEnd = walkValue(bytes, valueAt, end, 1);
    if (sectionEnd > end) throw new AmqpDecodeError('message section runs past the end of the transfer');
    scanned.code = code;
    scanned.valueAt = valueAt;
    return sectionEnd;
  } catch (error) {
    if (error instanceof AmqpStructureError) throw new AmqpDecodeError(`malformed AMQP message: ${error.message}`);
    throw error;
  }
}

export function readUint32(bytes: Uint8Array, position: number): number {
  return ((bytes[position]! << 24) >>> 0) + (bytes[position + 1]! << 16) + (bytes[position + 2]! << 8) + bytes[position + 3]!;
}

/** Where scanMap found a map's entries: reused, so a scan allocates nothing. */
export const mapped = { first: 0, count: 0 };

/**
 * Whether the (already walked) value at `valueAt` is a map; if so `mapped` holds where its first
 * key starts and how many keys and values it holds. Step over each with walkValue.
 */
export function scanMap(bytes: Uint8Array, valueAt: number): boolean {
  const code = bytes[valueAt];
  if (code !== 0xc1 && code !== 0xd1) return false;
  const wide = code === 0xd1;
  mapped.count = wide ? readUint32(bytes, valueAt + 5) : bytes[valueAt + 2]!;
  mapped.first = valueAt + (wide ? 9 : 3);
  return true;
}

/** Where the value after the one at `position` starts (the value must have been walked already). */
export function skipValue(bytes: Uint8Array, position: number, end: number): number {
  return walkValue(bytes, position, end, 1);
}

/** A string or symbol at `position` as rhea decodes it (UTF-8 / ASCII), else undefined. */
export function stringAt(bytes: Uint8Array, position: number): string | undefined {
  const code = bytes[position];
  let length: number;
  let from: number;
  if (code === 0xa1 || code === 0xa3) {
    length = bytes[position + 1]!;
    from = position + 2;
  } else if (code === 0xb1 || code === 0xb3) {
    length = readUint32(bytes, position + 1);
    from = position + 5;
  } else {
    return undefined;
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset + from, length).toString(code === 0xa1 || code === 0xb1 ? 'utf8' : 'ascii');
}

/** Whether the string or symbol at `position` spells `name` (ASCII). */
export function stringIs(bytes: Uint8Array, position: number, name: string): boolean {
  const code = bytes[position];
  const width = code === 0xa1 || code === 0xa3 ? 1 : code === 0xb1 || code === 0xb3 ? 4 : 0;
  if (width === 0) return false;
  const length = width === 1 ? bytes[position + 1]! : readUint32(bytes, position + 1);
  if (length !== name.length) return false;
  const from = position + 1 + width;
  const symbol = code === 0xa3 || code === 0xb3;
  for (let index = 0; index < length; index++) {
    const byte = bytes[from + index]!;
    // rhea decodes symbols as ASCII, which drops the high bit.
    if ((symbol ? byte & 0x7f : byte) !== name.charCodeAt(index)) return false;
  }
  return true;
}

/** The string value of annotation `name` in the (walked) map at `valueAt`, the first entry named so. */
export function annotationStringAt(bytes: Uint8Array, valueAt: number, end: number, name: string): string | undefined {
  // Annotations are a map (AMQP 1.0 §3.2.3); any other value is malformed, not "no key".
  if (bytes[valueAt] === 0x40) return undefined;
  if (!scanMap(bytes, valueAt)) throw new AmqpDecodeError('message annotations must be a map');
  let position = mapped.first;
  for (let index = 0, count = mapped.count; index + 1 < count; index += 2) {
    const valueStart = skipValue(bytes, position, end);
    if (stringIs(bytes, position, name)) return stringAt(bytes, valueStart);
    position = skipValue(bytes, valueStart, end);
  }
  return undefined;
}
