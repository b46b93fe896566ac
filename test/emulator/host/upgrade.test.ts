import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createUpgrader, type Upgrader } from '../../../src/emulator/host/upgrade.js';
import { until } from '../../shared/until.js';

// The shared upgrader: listeners attached in onOpen see the first frame; a malformed frame sent
// in the same TCP write as the upgrade closes that socket only (it used to end the process when
// the service attached its listeners after an await); a client gone before the upgrade settles it.

let server: Server | undefined;
let upgrader: Upgrader | undefined;
afterEach(async () => {
  upgrader?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

async function start(onUpgrade: (up: Upgrader, ...args: Parameters<Upgrader['upgrade']>) => void): Promise<number> {
  upgrader = createUpgrader({ maxPayload: 1024 });
  server = createServer();
  server.on('upgrade', (req, socket, head) => onUpgrade(upgrader!, req, socket, head));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const HANDSHAKE = (port: number) =>
  `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: p1\r\n\r\n';
// An unmasked client frame with a reserved opcode: a protocol error for any server.
const BAD_FRAME = Buffer.from([0x83, 0x00]);

describe('createUpgrader', () => {
  it('echoes the chosen subprotocol and delivers the first frame to listeners attached in onOpen', async () => {
    const received: string[] = [];
    const port = await start((up, req, socket, head) => {
      void up.upgrade(req, socket, head, { protocol: 'p1', onOpen: (ws) => ws.on('message', (data) => received.push(String(data))) });
    });
    const client = new WebSocket(`ws://127.0.0.1:${port}/`, ['p1', 'p2']);
    await new Promise((resolve) => client.once('open', resolve));
    expect(client.protocol).toBe('p1');
    client.send('hello');
    await until(() => received.length > 0, 'the first frame');
    expect(received).toEqual(['hello']);
    client.close();
  });

  it('closes only the offending socket when a malformed frame rides with the upgrade and the service awaits first', async () => {
    let opened = 0;
    const port = await start(async (up, req, socket, head) => {
      const ws = await up.upgrade(req, socket, head, { protocol: 'p1' });
      opened += 1;
      await new Promise((resolve) => setTimeout(resolve, 20)); // the service checks something first
      ws.on('message', () => undefined);
    });
    const raw = connect(port, '127.0.0.1');
    raw.on('error', () => undefined);
    raw.resume();
    raw.write(Buffer.concat([Buffer.from(HANDSHAKE(port)), BAD_FRAME]));
    await new Promise((resolve) => raw.once('close', resolve));
    expect(opened).toBe(1);
    // The server is still up: a well-behaved client connects after it.
    const client = new WebSocket(`ws://127.0.0.1:${port}/`, ['p1']);
    await new Promise((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    client.close();
  });

  it('rejects when the client hangs up before the upgrade completes', async () => {
    const outcomes: unknown[] = [];
    const port = await start((up, req, socket, head) => {
      socket.destroy();
      up.upgrade(req, socket, head).then(
        () => outcomes.push('opened'),
        (error: Error) => outcomes.push(error.message),
      );
    });
    const raw = connect(port, '127.0.0.1');
    raw.on('error', () => undefined);
    raw.write(HANDSHAKE(port));
    await until(() => outcomes.length === 1, 'the upgrade settled');
    expect(String(outcomes[0])).toMatch(/closed the connection before the upgrade/);
  });
});
