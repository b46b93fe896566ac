// Watches the inbound AMQP byte stream at frame granularity before rhea parses it (AMQP 1.0
// §2.2–2.3): a protocol header `AMQP <id> 1 0 0` (id 0 = AMQP, 3 = SASL), then frames of
// `size(4) doff(1) type(1) channel(2)`. A bad header, a size below 8 or above our max-frame-size,
// a data offset outside the frame or an unknown frame type is a violation. rhea alone would buffer
// an oversized frame without limit or close the socket without saying why.

export interface FrameViolation {
  /** The client never sent a valid header: answer with ours and close (AMQP 1.0 §2.2). */
  phase: 'header' | 'frames';
  description: string;
}

const HEADER_BYTES = 8;
const AMQP = [0x41, 0x4d, 0x51, 0x50];

export class FrameGuard {
  private boundary = Buffer.alloc(0);
  private remaining = 0;
  private headers = 0;

  constructor(private readonly maxFrameSize: number) {}

  /** Inspects the next chunk; returns the first violation in it, if any. */
  check(chunk: Buffer): FrameViolation | undefined {
    let position = 0;
    while (position < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - position);
        this.remaining -= take;
        position += take;
        continue;
      }
      const take = Math.min(HEADER_BYTES - this.boundary.length, chunk.length - position);
      this.boundary = Buffer.concat([this.boundary, chunk.subarray(position, position + take)]);
      position += take;
      if (this.boundary.length < HEADER_BYTES) return undefined;
      const violation = this.inspect(this.boundary);
      this.boundary = Buffer.alloc(0);
      if (violation) return violation;
    }
    return undefined;
  }

  private inspect(unit: Buffer): FrameViolation | undefined {
    if (AMQP.every((byte, index) => unit[index] === byte)) {
      const [id, major, minor, revision] = [unit[4], unit[5], unit[6], unit[7]];
      if ((id !== 0 && id !== 3) || major !== 1 || minor !== 0 || revision !== 0) {
        return { phase: 'header', description: `unsupported protocol header AMQP ${id} ${major} ${minor} ${revision}; expected AMQP 0 1 0 0 or AMQP 3 1 0 0` };
      }
      this.headers++;
      return undefined;
    }
    if (this.headers === 0) return { phase: 'header', description: 'expected an AMQP protocol header' };
    const size = unit.readUInt32BE(0);
    const dataOffset = unit[4]! * 4;
    const type = unit[5];
    if (size < HEADER_BYTES || size > this.maxFrameSize) {
      return { phase: 'frames', description: `frame size ${size} is outside 8..${this.maxFrameSize} (max-frame-size)` };
    }
    if (dataOffset < HEADER_BYTES || dataOffset > size) {
      return { phase: 'frames', description: `frame data offset ${dataOffset} is outside 8..${size}` };
    }
    if (type !== 0 && type !== 1) return { phase: 'frames', description: `unknown frame type ${type}` };
    this.remaining = size - HEADER_BYTES;
    return undefined;
  }
}
