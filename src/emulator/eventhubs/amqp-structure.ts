// A bounded structural check of AMQP 1.0 encoded values (type encodings: AMQP 1.0 part 1,
// http://docs.oasis-open.org/amqp/core/v1.0/os/amqp-core-types-v1.0-os.html),
// run on every inbound frame body before rhea decodes it. rhea trusts the counts it reads: an array
// of 2^32-1 nulls in a 35-byte `open` makes it push elements until the heap dies. Here every size
// must fit in the bytes actually present, every count must fit in its size (an array of zero-width
// elements may not claim more elements than it has bytes), compound values must end exactly where
// their size says (so rhea, which ignores sizes, reads the same values), and nesting is bounded.

export class AmqpStructureError extends Error {
  override readonly name = 'AmqpStructureError';
}

export const MAX_NESTING = 64;

const ZERO_WIDTH = new Set([0x40, 0x41, 0x42, 0x43, 0x44, 0x45]);
const FIXED_WIDTH: Record<number, number> = {
  0x50: 1, 0x51: 1, 0x52: 1, 0x53: 1, 0x54: 1, 0x55: 1, 0x56: 1,
  0x60: 2, 0x61: 2,
  0x70: 4, 0x71: 4, 0x72: 4, 0x73: 4, 0x74: 4,
  0x80: 8, 0x81: 8, 0x82: 8, 0x83: 8, 0x84: 8,
  0x94: 16, 0x98: 16,
};
const VARIABLE = new Set([0xa0, 0xa1, 0xa3, 0xb0, 0xb1, 0xb3]);
const COMPOUND = new Set([0xc0, 0xc1, 0xd0, 0xd1]);
const ARRAY = new Set([0xe0, 0xf0]);

function isKnownTypecode(code: number): boolean {
  return ZERO_WIDTH.has(code) || FIXED_WIDTH[code] !== undefined || VARIABLE.has(code) || COMPOUND.has(code) || ARRAY.has(code);
}

function fail(message: string): never {
  throw new AmqpStructureError(message);
}

function need(position: number, bytes: number, end: number, what: string): void {
  if (bytes > end - position) fail(`${what} needs ${bytes} bytes at offset ${position}, only ${Math.max(0, end - position)} remain`);
}

function readSize(buffer: Uint8Array, position: number, width: number): number {
  return width === 1 ? buffer[position]! : ((buffer[position]! << 24) >>> 0) + (buffer[position + 1]! << 16) + (buffer[position + 2]! << 8) + buffer[position + 3]!;
}

/** Walks one value (constructor included) from `position`; returns where it ends. */
export function walkValue(buffer: Uint8Array, position: number, end: number, depth = 0): number {
  if (depth > MAX_NESTING) fail(`values nested deeper than ${MAX_NESTING}`);
  need(position, 1, end, 'a constructor');
  const code = buffer[position]!;
  if (code === 0x00) {
    const afterDescriptor = walkValue(buffer, position + 1, end, depth + 1);
    return walkValue(buffer, afterDescriptor, end, depth + 1);
  }
  return walkBody(buffer, code, position + 1, end, depth);
}

/** Walks the encoding that follows the typecode `code` (also an array element, which has no constructor). */
function walkBody(buffer: Uint8Array, code: number, position: number, end: number, depth: number): number {
  if (ZERO_WIDTH.has(code)) return position;
  const fixed = FIXED_WIDTH[code];
  if (fixed !== undefined) {
    need(position, fixed, end, `typecode 0x${code.toString(16)}`);
    return position + fixed;
  }
  // 0xa0/0xc0/0xe0 rows carry 1-byte sizes and counts, 0xb0/0xd0/0xf0 rows 4-byte ones.
  const width = (code & 0x10) !== 0 ? 4 : 1;
  if (VARIABLE.has(code)) {
    need(position, width, end, 'a size');
    const size = readSize(buffer, position, width);
    need(position + width, size, end, `a ${size}-byte value`);
    return position + width + size;
  }
  if (COMPOUND.has(code) || ARRAY.has(code)) {
    if (depth + 1 > MAX_NESTING) fail(`values nested deeper than ${MAX_NESTING}`);
    need(position, width, end, 'a size');
    const size = readSize(buffer, position, width);
    const regionStart = position + width;
    need(regionStart, size, end, `a ${size}-byte compound`);
    const regionEnd = regionStart + size;
    need(regionStart, width, regionEnd, 'a count');
    const count = readSize(buffer, regionStart, width);
    let at = regionStart + width;
    if (ARRAY.has(code)) {
      // Zero-width elements (null, true, list0…) take no bytes: bound their count by the array's
      // size as well, so no count asks for more work or memory than the frame carries.
      if (count > size) fail(`an array count of ${count} exceeds its ${size} bytes`);
      let elementCode: number;
      need(at, 1, regionEnd, 'an array constructor');
      if (buffer[at] === 0x00) {
        at = walkValue(buffer, at + 1, regionEnd, depth + 1);
        need(at, 1, regionEnd, 'an array element constructor');
      }
      elementCode = buffer[at]!;
      if (elementCode === 0x00) fail('an array element type may carry one descriptor only');
      // Checked even for zero elements: rhea looks the element type up whatever the count.
      if (!isKnownTypecode(elementCode)) fail(`unknown array element typecode 0x${elementCode.toString(16)}`);
      at++;
      for (let index = 0; index < count; index++) at = walkBody(buffer, elementCode, at, regionEnd, depth + 1);
    } else {
      // Every list or map element takes at least one byte.
      if (count > regionEnd - at) fail(`a count of ${count} does not fit in ${regionEnd - at} bytes`);
      if ((code === 0xc1 || code === 0xd1) && count % 2 !== 0) fail(`a map with an odd count ${count}`);
      for (let index = 0; index < count; index++) at = walkValue(buffer, at, regionEnd, depth + 1);
    }
    if (at !== regionEnd) fail(`a compound of ${size} bytes holds ${at - regionStart} bytes of values`);
    return regionEnd;
  }
  return fail(`unknown typecode 0x${code.toString(16)}`);
}

/** Walks consecutive values filling `[position, end)` exactly (message sections). */
export function walkSequence(buffer: Uint8Array, position: number, end: number, isAllowed?: (descriptor: number | string | undefined) => boolean): void {
  while (position < end) {
    const described = describedAt(buffer, position, end);
    if (isAllowed && !isAllowed(described?.descriptor)) fail(`unexpected section ${String(described?.descriptor ?? 'without a descriptor')}`);
    position = walkValue(buffer, position, end);
  }
}

/** A described value's descriptor (ulong or symbol) and where its value starts; walked, so safe to read. */
export function describedAt(buffer: Uint8Array, position: number, end: number): { descriptor: number | string; valueAt: number } | undefined {
  if (buffer[position] !== 0x00) return undefined;
  const valueAt = walkValue(buffer, position + 1, end, 1);
  const code = buffer[position + 1]!;
  const at = position + 2;
  if (code === 0x44) return { descriptor: 0, valueAt };
  if (code === 0x53) return { descriptor: buffer[at]!, valueAt };
  if (code === 0x80) {
    const high = readSize(buffer, at, 4);
    return { descriptor: high === 0 ? readSize(buffer, at + 4, 4) : Number.MAX_SAFE_INTEGER, valueAt };
  }
  if (code === 0xa3 || code === 0xb3) {
    const width = code === 0xa3 ? 1 : 4;
    const size = readSize(buffer, at, width);
    return { descriptor: Buffer.from(buffer.buffer, buffer.byteOffset + at + width, size).toString('latin1'), valueAt };
  }
  return { descriptor: -1, valueAt };
}

/** The start offsets of a (walked) list's elements, or undefined when the value is not a list. */
export function listElements(buffer: Uint8Array, position: number, end: number): number[] | undefined {
  const code = buffer[position]!;
  if (code === 0x45) return [];
  if (code !== 0xc0 && code !== 0xd0) return undefined;
  const width = code === 0xc0 ? 1 : 4;
  const count = readSize(buffer, position + 1 + width, width);
  const starts: number[] = [];
  let at = position + 1 + 2 * width;
  for (let index = 0; index < count; index++) {
    starts.push(at);
    at = walkValue(buffer, at, end, 1);
  }
  return starts;
}

/** An unsigned integer field: a number, `null` when absent/null, `undefined` when another type. */
export function readUintField(buffer: Uint8Array, position: number | undefined): number | null | undefined {
  if (position === undefined) return null;
  const code = buffer[position]!;
  if (code === 0x40) return null;
  if (code === 0x43 || code === 0x44) return 0;
  if (code === 0x50 || code === 0x52 || code === 0x53) return buffer[position + 1]!;
  if (code === 0x60) return (buffer[position + 1]! << 8) + buffer[position + 2]!;
  if (code === 0x70) return readSize(buffer, position + 1, 4);
  return undefined;
}

/** A boolean field: true/false, `null` when absent/null, `undefined` when another type. */
export function readBooleanField(buffer: Uint8Array, position: number | undefined): boolean | null | undefined {
  if (position === undefined) return null;
  const code = buffer[position]!;
  if (code === 0x40) return null;
  if (code === 0x41) return true;
  if (code === 0x42) return false;
  if (code === 0x56) return buffer[position + 1] !== 0;
  return undefined;
}
