import { utf8Decode, utf8Encode } from '../encoding.js';
import { protocolError } from './frames-payload.js';

// The protobuf wire format, just what the Web PubSub messages use: varints, length-delimited
// strings/bytes/messages. Unknown fields are skipped, as protobuf says. uint64 values are numbers up
// to 2^53 and bigints above (ackIds are uint64 and clients outside JS may use the whole range).

export const WIRE_VARINT = 0;
export const WIRE_LEN = 2;
const MAX_VARINT_BYTES = 10;
const UINT64_LIMIT = 2n ** 64n;

export class ProtoWriter {
  readonly #bytes: number[] = [];

  #varint(value: number | bigint): void {
    if (typeof value === 'bigint') {
      if (value < 0n || value >= UINT64_LIMIT) throw new RangeError(`expected a uint64, got ${value}`);
      let rest = value;
      while (rest >= 0x80n) {
        this.#bytes.push(Number(rest & 0x7fn) | 0x80);
        rest >>= 7n;
      }
      this.#bytes.push(Number(rest));
      return;
    }
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`expected a non-negative safe integer, got ${value}`);
    let rest = value;
    while (rest >= 0x80) {
      this.#bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.#bytes.push(rest);
  }

  #tag(field: number, wire: number): void {
    this.#varint(field * 8 + wire);
  }

  uint(field: number, value: number | bigint | undefined): this {
    if (value !== undefined) {
      this.#tag(field, WIRE_VARINT);
      this.#varint(value);
    }
    return this;
  }

  bool(field: number, value: boolean | undefined): this {
    return value === undefined ? this : this.uint(field, value ? 1 : 0);
  }

  bytes(field: number, value: Uint8Array | undefined): this {
    if (value !== undefined) {
      this.#tag(field, WIRE_LEN);
      this.#varint(value.length);
      for (const b of value) this.#bytes.push(b);
    }
    return this;
  }

  string(field: number, value: string | undefined): this {
    return value === undefined ? this : this.bytes(field, utf8Encode(value));
  }

  message(field: number, build: ((w: ProtoWriter) => void) | undefined): this {
    if (!build) return this;
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}

export interface ProtoField {
  field: number;
  wire: number;
  /** Varint fields: the number (bigint above 2^53); length-delimited fields: the bytes. */
  value: number | bigint | Uint8Array;
}

/** Reads every field of one message; throws `protocol` on truncation or unsupported wire types. */
export function readFields(bytes: Uint8Array, where: string): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  const varint64 = (): number | bigint => {
    let low = 0; // the first 7 groups (49 bits) stay exact in a double
    let high = 0n;
    // At most 10 bytes: past that, zero-valued continuation bytes once pushed the scale to Infinity
    // and the value to NaN (0 × Infinity), which no range check caught.
    for (let count = 0; ; count++) {
      if (count === MAX_VARINT_BYTES) throw protocolError(`${where}: varint longer than ${MAX_VARINT_BYTES} bytes`);
      if (pos >= bytes.length) throw protocolError(`${where}: truncated varint`);
      const byte = bytes[pos++]!;
      if (count < 7) low += (byte & 0x7f) * 2 ** (7 * count);
      else high |= BigInt(byte & 0x7f) << BigInt(7 * count);
      if (byte < 0x80) {
        if (high === 0n) return low;
        const value = high | BigInt(low);
        if (value >= UINT64_LIMIT) throw protocolError(`${where}: varint above 2^64`);
        return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
      }
    }
  };
  /** Keys and lengths: a number or a protocol error. */
  const varint = (): number => {
    const value = varint64();
    if (typeof value === 'bigint') throw protocolError(`${where}: varint above 2^53`);
    return value;
  };
  while (pos < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) throw protocolError(`${where}: field number 0`);
    if (wire === WIRE_VARINT) fields.push({ field, wire, value: varint64() });
    else if (wire === WIRE_LEN) {
      const length = varint();
      if (pos + length > bytes.length) throw protocolError(`${where}: field ${field} runs past the end of the frame`);
      fields.push({ field, wire, value: bytes.subarray(pos, pos + length) });
      pos += length;
    } else if (wire === 1) pos += 8; // fixed64: not used by these messages, skipped
    else if (wire === 5) pos += 4; // fixed32: likewise
    else throw protocolError(`${where}: unsupported wire type ${wire}`);
    if (pos > bytes.length) throw protocolError(`${where}: truncated field ${field}`);
  }
  return fields;
}

/** Accessors over the fields of one message; the last occurrence wins, as protobuf specifies. */
export class ProtoMessage {
  constructor(
    readonly fields: ProtoField[],
    readonly where: string,
  ) {}

  static parse(bytes: Uint8Array, where: string): ProtoMessage {
    return new ProtoMessage(readFields(bytes, where), where);
  }

  #last(field: number, wire: number): ProtoField | undefined {
    for (let i = this.fields.length - 1; i >= 0; i--) {
      const f = this.fields[i]!;
      if (f.field === field) {
        if (f.wire !== wire) throw protocolError(`${this.where}: field ${field} has wire type ${f.wire}, expected ${wire}`);
        return f;
      }
    }
    return undefined;
  }

  /** A uint64 field: a number up to 2^53, a bigint above. */
  uint64(field: number): number | bigint | undefined {
    return this.#last(field, WIRE_VARINT)?.value as number | bigint | undefined;
  }

  /** A varint field used as a number (sequence ids, bools): above 2^53 is a protocol error. */
  uint(field: number): number | undefined {
    const value = this.uint64(field);
    if (typeof value === 'bigint') throw protocolError(`${this.where}: field ${field} above 2^53`);
    return value;
  }

  bool(field: number): boolean | undefined {
    const value = this.uint(field);
    return value === undefined ? undefined : value !== 0;
  }

  bytes(field: number): Uint8Array | undefined {
    return this.#last(field, WIRE_LEN)?.value as Uint8Array | undefined;
  }

  string(field: number): string | undefined {
    const value = this.bytes(field);
    if (value === undefined) return undefined;
    try {
      return utf8Decode(value);
    } catch (error) {
      throw protocolError(`${this.where}: field ${field} is not UTF-8`, error);
    }
  }

  message(field: number, name: string): ProtoMessage | undefined {
    const value = this.bytes(field);
    return value === undefined ? undefined : ProtoMessage.parse(value, `${this.where}.${name}`);
  }
}
