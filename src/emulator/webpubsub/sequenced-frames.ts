import { frameHeaderLength, OPCODE_BINARY, OPCODE_TEXT, writeFrameHeader } from '../ws-frame.js';

// A data message on a reliable subprotocol carries each recipient's own sequenceId
// (docs/protocol/webpubsub.md §4 "Reliable semantics"); everything else in the frame is the same for
// every recipient. The message is encoded once, without a sequenceId, and each recipient's frame is
// that encoding with its number spliced in: a few bytes differ, nothing is re-encoded.

/** Frames of one message for every recipient, differing only in the sequenceId. */
export interface SequencedFrames {
  /** The whole WebSocket frame for `sequenceId`: one buffer, or pieces to write in this order. */
  frame(sequenceId: number): Buffer | Buffer[];
  /** Its payload size (what the reliable buffer and the outbound bound count). */
  payloadSize(sequenceId: number): number;
}

/** Above this many shared bytes a frame is written as pieces rather than copied per recipient. */
const COPY_LIMIT = 16 * 1024;

/** The frame: [ws header + `lead`] [shared] [`trail`], copied into one buffer when small. */
function assemble(opcode: number, lead: Uint8Array, shared: Uint8Array, trail: Uint8Array): Buffer | Buffer[] {
  const payloadLength = lead.length + shared.length + trail.length;
  const headerLength = frameHeaderLength(payloadLength);
  if (shared.length > COPY_LIMIT) {
    const head = Buffer.allocUnsafe(headerLength + lead.length);
    head.set(lead, writeFrameHeader(head, 0, opcode, payloadLength));
    return [head, shared as Buffer, Buffer.from(trail.buffer, trail.byteOffset, trail.length)];
  }
  const frame = Buffer.allocUnsafe(headerLength + payloadLength);
  let offset = writeFrameHeader(frame, 0, opcode, payloadLength);
  frame.set(lead, offset);
  offset += lead.length;
  frame.set(shared, offset);
  frame.set(trail, offset + shared.length);
  return frame;
}

const EMPTY = new Uint8Array(0);
const CLOSING_BRACE = 0x7d;

/**
 * JSON: the message encoded without a sequenceId is an object, so it ends in `}`; its frame is that
 * text up to the brace, `,"sequenceId":<n>}` — the key last, where the encoder puts it.
 */
export class JsonSequencedFrames implements SequencedFrames {
  readonly #prefix: Buffer;

  constructor(encodedWithoutSequenceId: string) {
    this.#prefix = Buffer.from(`${encodedWithoutSequenceId.slice(0, -1)},"sequenceId":`, 'utf8');
  }

  frame(sequenceId: number): Buffer | Buffer[] {
    const digits = String(sequenceId);
    const prefix = this.#prefix;
    if (prefix.length > COPY_LIMIT) return assemble(OPCODE_TEXT, EMPTY, prefix, Buffer.from(`${digits}}`, 'latin1'));
    const payloadLength = prefix.length + digits.length + 1;
    const frame = Buffer.allocUnsafe(frameHeaderLength(payloadLength) + payloadLength);
    const offset = writeFrameHeader(frame, 0, OPCODE_TEXT, payloadLength) + prefix.length;
    prefix.copy(frame, offset - prefix.length);
    frame.write(digits, offset, 'latin1');
    frame[offset + digits.length] = CLOSING_BRACE;
    return frame;
  }

  payloadSize(sequenceId: number): number {
    return this.#prefix.length + decimalDigits(sequenceId) + 1;
  }
}

/** How many base-`base` digits `value` takes: decimal for JSON, 7-bit groups for a protobuf varint. */
function digitCount(value: number, base: number): number {
  let digits = 1;
  for (let rest = value; rest >= base; rest = Math.floor(rest / base)) digits++;
  return digits;
}

const decimalDigits = (value: number): number => digitCount(value, 10);

const SEQUENCE_ID_TAG = (4 << 3) | 0; // DataMessage.sequence_id = 4, varint

/**
 * Protobuf: DownstreamMessage { DataMessage data_message = 2 } — the outer tag, the data message's
 * length, its fields, then `sequence_id` (field 4, the last). The fields are shared; the length and
 * the trailing field are per recipient.
 */
export class ProtobufSequencedFrames implements SequencedFrames {
  readonly #tag: number;
  readonly #fields: Uint8Array;

  constructor(encodedWithoutSequenceId: Uint8Array) {
    this.#tag = encodedWithoutSequenceId[0]!;
    const { value: length, next } = readVarint(encodedWithoutSequenceId, 1);
    if ((this.#tag & 7) !== 2 || next + length !== encodedWithoutSequenceId.length) throw new TypeError('expected one length-delimited field');
    this.#fields = encodedWithoutSequenceId.subarray(next);
  }

  frame(sequenceId: number): Buffer | Buffer[] {
    const trail = [SEQUENCE_ID_TAG];
    pushVarint(trail, sequenceId);
    const lead = [this.#tag];
    pushVarint(lead, this.#fields.length + trail.length);
    return assemble(OPCODE_BINARY, Uint8Array.from(lead), this.#fields, Uint8Array.from(trail));
  }

  payloadSize(sequenceId: number): number {
    const bodyLength = this.#fields.length + 1 + varintLength(sequenceId);
    return 1 + varintLength(bodyLength) + bodyLength;
  }
}

function readVarint(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = offset; i < bytes.length; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: i + 1 };
    scale *= 128;
  }
  throw new TypeError('truncated varint');
}

function pushVarint(out: number[], value: number): void {
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

const varintLength = (value: number): number => digitCount(value, 128);
