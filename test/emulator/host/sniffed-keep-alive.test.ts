import { connect } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/server.js';

// HTTP on a sniffing port (Event Hubs: AMQP, AMQP over WebSocket and HTTP share it) runs over a
// ReplayStream. Its setTimeout did nothing, so http's keepAliveTimeout never fired and an idle
// keep-alive connection stayed open for as long as the client liked, held against the port's cap.

let emulator: RunningEventHubsEmulator;
beforeAll(async () => {
  emulator = await startEventHubsEmulator({ log: () => undefined });
});
afterAll(() => emulator?.close());

test('an idle keep-alive HTTP connection on the Event Hubs port is closed after keepAliveTimeout', async () => {
  const socket = connect(emulator.port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  const answeredAt = await new Promise<number>((resolve) => {
    const check = () => (received.includes('\r\n\r\n') ? resolve(Date.now()) : socket.once('data', check));
    check();
  });
  expect(received).toMatch(/^HTTP\/1\.1 \d{3} /);
  expect(received.toLowerCase()).not.toContain('connection: close');
  // Node's default keepAliveTimeout is 5 s (plus its 1 s grace); give it generous room.
  const outcome = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve('still open'), 12_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
  socket.destroy();
  expect(outcome).toBe('closed');
  expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(4_000);
}, 20_000);
