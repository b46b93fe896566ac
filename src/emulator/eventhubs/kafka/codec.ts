// The Kafka wire format (https://kafka.apache.org/protocol#protocol_types): big-endian integers,
// (un)signed varints, int16-length strings and int32-length arrays, and in "flexible" versions
// (KIP-482) compact strings/arrays (unsigned varint length + 1) and tagged-field sections.
// Every length is checked against the bytes left before anything is allocated for it.

export class KafkaDecodeError extends Error {
  override readonly name = 'KafkaDecodeError';
}

export class KafkaReader {
  position: number;

  constructor(readonly buffer: Buffer, start = 0, private readonly end = buffer.length) {
    this.position = start;
  }

  remaining(): number {
    return this.end - this.position;
  }

  private take(bytes: number): number {
    if (bytes < 0 || this.position + bytes > this.end) {
      throw new KafkaDecodeError(`expected ${bytes} more bytes at ${this.position}, got ${this.end - this.position}`);
    }
    const at = this.position;
    this.position += bytes;
    return at;
  }

  int8(): number {
    return this.buffer.readInt8(this.take(1));
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  int16(): number {
    return this.buffer.readInt16BE(this.take(2));
  }
  int32(): number {
    return this.buffer.readInt32BE(this.take(4));
  }
  uint32(): number {
    return this.buffer.readUInt32BE(this.take(4));
  }
  /** Offsets and timestamps fit in a double's 53 bits everywhere the emulator uses them. */
  int64(): number {
    return Number(this.buffer.readBigInt64BE(this.take(8)));
  }
  uuid(): Buffer {
    return this.buffer.subarray(this.take(16), this.position);
  }

  unsignedVarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.buffer[this.take(1)]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new KafkaDecodeError('varint longer than 5 bytes');
  }

  /** Zig-zag varint / varlong (records use both); values beyond 2^53 are rejected. */
  varint(): number {
    let raw = 0;
    for (let shift = 0; shift < 56; shift += 7) {
      const byte = this.buffer[this.take(1)]!;
      raw += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    }
    throw new KafkaDecodeError('varlong too long for this emulator');
  }

  private length(flexible: boolean): number {
    return flexible ? this.unsignedVarint() - 1 : this.int16();
  }

  nullableString(flexible: boolean): string | null {
    const length = this.length(flexible);
    if (length < 0) return null;
    const at = this.take(length);
    return this.buffer.toString('utf8', at, at + length);
  }

  string(flexible: boolean): string {
    const value = this.nullableString(flexible);
    if (value === null) throw new KafkaDecodeError('expected a string, got null');
    return value;
  }

  nullableBytes(flexible: boolean): Buffer | null {
    const length = flexible ? this.unsignedVarint() - 1 : this.int32();
    if (length < 0) return null;
    const at = this.take(length);
    return this.buffer.subarray(at, at + length);
  }

  bytes(flexible: boolean): Buffer {
    return this.nullableBytes(flexible) ?? Buffer.alloc(0);
  }

  /** Bytes whose length is a zig-zag varint (record keys, values, headers); -1 = null. */
  varBytes(): Buffer | null {
    const length = this.varint();
    if (length < 0) return null;
    const at = this.take(length);
    return this.buffer.subarray(at, at + length);
  }

  /**
   * `null` for a null array; each element takes at least `minBytes`, checked up front. Elements
   * that are structs end with their own tagged fields in flexible versions; primitives do not.
   */
  nullableArray<T>(flexible: boolean, read: (reader: this) => T, minBytes = 1, structs = true): T[] | null {
    const count = flexible ? this.unsignedVarint() - 1 : this.int32();
    if (count < 0) return null;
    if (count * minBytes > this.remaining()) {
      throw new KafkaDecodeError(`array of ${count} elements cannot fit in the ${this.remaining()} bytes left`);
    }
    const items: T[] = [];
    for (let index = 0; index < count; index++) {
      items.push(read(this));
      if (flexible && structs) this.skipTaggedFields();
    }
    return items;
  }

  array<T>(flexible: boolean, read: (reader: this) => T, minBytes = 1, structs = true): T[] {
    return this.nullableArray(flexible, read, minBytes, structs) ?? [];
  }

  /** Tagged fields the emulator does not use are skipped (KIP-482 allows exactly that). */
  skipTaggedFields(): void {
    const count = this.unsignedVarint();
    if (count > this.remaining()) throw new KafkaDecodeError(`${count} tagged fields cannot fit in ${this.remaining()} bytes`);
    for (let index = 0; index < count; index++) {
      this.unsignedVarint();
      this.take(this.unsignedVarint());
    }
  }
}

const INT64_MAX = 0x7fffffffffffffffn;

/**
 * The largest answer a writer builds unless told otherwise. Answers repeat what was asked for:
 * a 4 KB DescribeGroups naming one group 2,000 times, its member carrying 500 KB of metadata,
 * was a 1 GB answer (2 GB RSS), and 10,000 times would have ended the process. A Fetch answer,
 * the one that is large by design, gets its own bound (api-fetch.ts).
 */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export class KafkaAnswerTooLarge extends Error {
  override readonly name = 'KafkaAnswerTooLarge';
}

/** Grows by doubling up to `limit`; `finish()` returns a view of what was written. */
export class KafkaWriter {
  private buffer: Buffer;
  private position = 0;

  constructor(
    initial = 256,
    private readonly limit = MAX_ANSWER_BYTES,
  ) {
    this.buffer = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.position;
  }

  /** Reserves bytes and returns where they start; read `this.buffer` only after, as it may be replaced. */
  private room(bytes: number): number {
    if (this.position + bytes > this.buffer.length) {
      if (this.position + bytes > this.limit) throw new KafkaAnswerTooLarge(`the answer would exceed ${this.limit} bytes`);
      const next = Buffer.allocUnsafe(Math.min(Math.max(this.buffer.length * 2, this.position + bytes), this.limit));
      this.buffer.copy(next, 0, 0, this.position);
      this.buffer = next;
    }
    const at = this.position;
    this.position += bytes;
    return at;
  }

  /** A fixed-width integer, with the Buffer method that writes it. */
  private fixed(size: 1 | 2 | 4, write: 'writeInt8' | 'writeInt16BE' | 'writeInt32BE' | 'writeUInt32BE', value: number): this {
    const at = this.room(size);
    this.buffer[write](value, at);
    return this;
  }
  int8(value: number): this {
    return this.fixed(1, 'writeInt8', value);
  }
  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }
  int16(value: number): this {
    return this.fixed(2, 'writeInt16BE', value);
  }
  int32(value: number): this {
    return this.fixed(4, 'writeInt32BE', value);
  }
  uint32(value: number): this {
    return this.fixed(4, 'writeUInt32BE', value >>> 0);
  }
  int64(value: number): this {
    const at = this.room(8);
    // A client may have committed int64 max; as a double that rounds past the range, so clamp.
    const big = BigInt(Math.trunc(value));
    this.buffer.writeBigInt64BE(big > INT64_MAX ? INT64_MAX : big < -INT64_MAX - 1n ? -INT64_MAX - 1n : big, at);
    return this;
  }
  raw(bytes: Uint8Array): this {
    const at = this.room(bytes.length);
    this.buffer.set(bytes, at);
    return this;
  }
  /** Overwrites an int32 written earlier (length and CRC placeholders). */
  patchInt32(at: number, value: number): void {
    this.buffer.writeInt32BE(value, at);
  }
  patchUint32(at: number, value: number): void {
    this.buffer.writeUInt32BE(value >>> 0, at);
  }

  unsignedVarint(value: number): this {
    let rest = value;
    while (rest >= 0x80) {
      const at = this.room(1);
      this.buffer[at] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    const last = this.room(1);
    this.buffer[last] = rest;
    return this;
  }

  varint(value: number): this {
    return this.unsignedVarint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  nullableString(value: string | null, flexible: boolean): this {
    if (value === null) return flexible ? this.unsignedVarint(0) : this.int16(-1);
    const bytes = Buffer.from(value, 'utf8');
    if (flexible) this.unsignedVarint(bytes.length + 1);
    else this.int16(bytes.length);
    return this.raw(bytes);
  }

  string(value: string, flexible: boolean): this {
    return this.nullableString(value, flexible);
  }

  nullableBytes(value: Uint8Array | null, flexible: boolean): this {
    if (value === null) return flexible ? this.unsignedVarint(0) : this.int32(-1);
    if (flexible) this.unsignedVarint(value.length + 1);
    else this.int32(value.length);
    return this.raw(value);
  }

  varBytes(value: Uint8Array | null): this {
    if (value === null) return this.varint(-1);
    return this.varint(value.length).raw(value);
  }

  arrayLength(count: number | null, flexible: boolean): this {
    if (count === null) return flexible ? this.unsignedVarint(0) : this.int32(-1);
    return flexible ? this.unsignedVarint(count + 1) : this.int32(count);
  }

  /** Struct elements get an empty tagged-field section each in flexible versions; primitives none. */
  array<T>(items: readonly T[] | null, flexible: boolean, write: (writer: this, item: T) => void, structs = true): this {
    this.arrayLength(items === null ? null : items.length, flexible);
    for (const item of items ?? []) {
      write(this, item);
      if (flexible && structs) this.unsignedVarint(0);
    }
    return this;
  }

  /** An empty tagged-field section, only in flexible versions. */
  tags(flexible: boolean): this {
    return flexible ? this.unsignedVarint(0) : this;
  }

  finish(): Buffer {
    return this.buffer.subarray(0, this.position);
  }
}
