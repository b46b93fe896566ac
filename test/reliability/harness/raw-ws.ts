import { randomBytes } from 'node:crypto';

// Hand-built WebSocket bytes (RFC 6455 §5.2) for seeds that no recording can produce: frames
// glued behind an upgrade request in one TCP write, as a hostile client sends them.

export function wsFrame(opcode: number, payload: Buffer | string, options: { fin?: boolean; mask?: boolean } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const mask = options.mask ?? true;
  const lengthBytes = data.length < 126 ? Buffer.from([data.length]) : data.length < 65536 ? Buffer.from([126, data.length >> 8, data.length & 255]) : (() => {
    const bytes = Buffer.alloc(9);
    bytes[0] = 127;
    bytes.writeBigUInt64BE(BigInt(data.length), 1);
    return bytes;
  })();
  lengthBytes[0] = lengthBytes[0]! | (mask ? 0x80 : 0);
  const head = Buffer.from([(options.fin ?? true ? 0x80 : 0) | opcode]);
  if (!mask) return Buffer.concat([head, lengthBytes, data]);
  const key = randomBytes(4);
  const masked = Buffer.from(data.map((byte, index) => byte ^ key[index % 4]!));
  return Buffer.concat([head, lengthBytes, key, masked]);
}

export function upgradeRequest(target: string, headers: Record<string, string> = {}, host = '127.0.0.1'): Buffer {
  const lines = [
    `GET ${target} HTTP/1.1`,
    `Host: ${host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
}

/** A few frames of every kind, valid and not, to glue behind a handshake. */
export function frameSalad(): Buffer[] {
  return [
    wsFrame(1, '{"type":"ping"}'),
    wsFrame(2, Buffer.from([0, 1, 2, 255])),
    wsFrame(1, Buffer.from([0xff, 0xfe, 0xfd])), // invalid UTF-8 in a text frame
    wsFrame(9, 'p'),
    wsFrame(8, Buffer.from([0x03, 0xe8])),
    wsFrame(1, 'x', { mask: false }), // clients must mask
    wsFrame(0, 'continuation without start'),
    wsFrame(3, 'reserved opcode'),
    Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // 2^63 length
  ];
}
