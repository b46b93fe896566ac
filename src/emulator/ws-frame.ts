// WebSocket frames as the server writes them (RFC 6455 §5.2: FIN set, no mask, no extensions — the
// upgrader negotiates no permessage-deflate). A fan-out frames a message once and writes the same
// bytes to every recipient's socket instead of having `ws` frame it again per socket.

export const OPCODE_TEXT = 0x1;
export const OPCODE_BINARY = 0x2;

/** Bytes of the header of an unmasked frame carrying `payloadLength` bytes. */
export function frameHeaderLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 0x10000 ? 4 : 10;
}

/** Writes the header at `offset` of `target`; returns the offset after it. */
export function writeFrameHeader(target: Uint8Array, offset: number, opcode: number, payloadLength: number): number {
  target[offset] = 0x80 | opcode;
  if (payloadLength < 126) {
    target[offset + 1] = payloadLength;
    return offset + 2;
  }
  if (payloadLength < 0x10000) {
    target[offset + 1] = 126;
    target[offset + 2] = payloadLength >>> 8;
    target[offset + 3] = payloadLength & 0xff;
    return offset + 4;
  }
  target[offset + 1] = 127;
  // 64-bit length, big-endian; payloads here stay far below 2^53.
  const high = Math.floor(payloadLength / 0x1_0000_0000);
  const low = payloadLength >>> 0;
  for (let i = 0; i < 4; i++) {
    target[offset + 2 + i] = (high >>> (24 - 8 * i)) & 0xff;
    target[offset + 6 + i] = (low >>> (24 - 8 * i)) & 0xff;
  }
  return offset + 10;
}

/** One buffer holding the whole frame: header and payload. */
export function frameOf(opcode: number, payload: string | Uint8Array): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length;
  const frame = Buffer.allocUnsafe(frameHeaderLength(length) + length);
  const offset = writeFrameHeader(frame, 0, opcode, length);
  if (typeof payload === 'string') frame.write(payload, offset, 'utf8');
  else frame.set(payload, offset);
  return frame;
}
