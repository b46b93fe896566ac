import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/server.js';

// WebSockets on a sniffing port (Event Hubs) run over a ReplayStream. ws writes a close frame
// in two pieces, corked, and the upgrader destroys the socket on a protocol error right after:
// the second piece waited for the first one's callback and was lost, so a client sending a
// frame with RSV bits set got a 2-byte broken frame instead of close code 1002.

let emulator: RunningEventHubsEmulator;
beforeAll(async () => {
  emulator = await startEventHubsEmulator({ log: () => undefined });
});
afterAll(() => emulator?.close());

test('a WebSocket frame with RSV1 set on the Event Hubs port gets a whole close frame with 1002', async () => {
  const socket = connect(emulator.port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.write(
    `GET /$servicebus/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: AMQPWSB10\r\n\r\n`,
  );
  await new Promise<void>((resolve) => {
    const check = () => (Buffer.concat(received).includes('\r\n\r\n') ? resolve() : socket.once('data', check));
    check();
  });
  const headEnd = Buffer.concat(received).indexOf('\r\n\r\n') + 4;
  // A masked binary frame with RSV1 set: no extension was negotiated, so this is a protocol error.
  socket.write(Buffer.concat([Buffer.from([0xc2, 0x82]), Buffer.alloc(4), Buffer.from('ab')]));
  await new Promise((resolve) => socket.once('close', resolve));
  const frame = Buffer.concat(received).subarray(headEnd);
  expect(frame[0]).toBe(0x88);
  expect(frame.length).toBeGreaterThanOrEqual(4);
  expect(frame.readUInt16BE(2)).toBe(1002);
});
