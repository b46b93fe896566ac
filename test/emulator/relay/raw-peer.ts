import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

// A hand-written WebSocket peer on a plain TCP socket, for what `ws` will not send: bytes glued
// to the handshake in the same write, frames that break RFC 6455.

export interface RawPeer {
  socket: Socket;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves when the server has closed the TCP connection. */
  ended: Promise<void>;
  /** The handshake status and first close code, once a close frame came or the connection ended. */
  answer(): Promise<{ status: number; closeCode: number | undefined }>;
}

/** An unmasked client text frame: every server must fail it with 1002 (RFC 6455 §5.1). */
export const UNMASKED_FRAME = Buffer.from([0x81, 0x02, 0x68, 0x69]);

/** Opens `target` (path + query) with an upgrade request and `trailing` in the same TCP write. */
export function rawUpgrade(port: number, target: string, trailing: Buffer = Buffer.alloc(0), headers: Record<string, string> = {}): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const ended = new Promise<void>((done) => socket.once('close', () => done()));
    let onChange = () => {};
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      onChange();
    });
    socket.on('error', () => {});
    socket.once('connect', () => {
      const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      const request =
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
      socket.write(Buffer.concat([Buffer.from(request, 'latin1'), trailing]));
      const answer = () =>
        new Promise<{ status: number; closeCode: number | undefined }>((done) => {
          const check = () => {
            const parsed = parseAnswer(Buffer.concat(chunks));
            if (parsed.closeCode !== undefined || socket.destroyed) done(parsed);
          };
          onChange = check;
          void ended.then(check);
          check();
        });
      resolve({ socket, received: () => Buffer.concat(chunks), ended, answer });
    });
    socket.once('error', reject);
  });
}

/** The HTTP status of the handshake answer, and the close code of the first close frame after a 101. */
export function parseAnswer(bytes: Buffer): { status: number; closeCode: number | undefined } {
  const headEnd = bytes.indexOf('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(bytes.toString('latin1'))?.[1] ?? 0);
  let at = headEnd < 0 ? bytes.length : headEnd + 4;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at]! & 0x0f;
    let length = bytes[at + 1]! & 0x7f;
    let offset = at + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(offset));
      offset += 8;
    }
    if (opcode === 0x8) return { status, closeCode: length >= 2 ? bytes.readUInt16BE(offset) : 1005 };
    at = offset + length;
  }
  return { status, closeCode: undefined };
}

/** A masked client text frame (≤ 125 bytes), as a well-behaved client sends it. */
export function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  if (payload.length > 125) throw new RangeError('short frames only');
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}
