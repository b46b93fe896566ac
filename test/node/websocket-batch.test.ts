import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { NodeWebSocket } from '../../src/node/index.js';
import type { SocketLike } from '../../src/core/transport.js';

// The Node entry's WebSocket corks its TCP socket inside batch(): a relayed HTTP response (two
// frames) costs one write instead of two (issue 12, relay HTTP listener).

let server: WebSocketServer | undefined;
afterEach(() => server?.close());

async function connected(): Promise<{ socket: SocketLike; writes: string[]; received: () => number }> {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server!.once('listening', resolve));
  let count = 0;
  server.on('connection', (peer) => peer.on('message', () => count++));
  const socket = new NodeWebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  await new Promise((resolve) => (socket.onopen = resolve));
  // Which of the TCP socket's write paths run: one `_writev` for everything corked, else one call per frame.
  const raw = (socket as unknown as { _socket: Record<string, (...args: unknown[]) => unknown> })._socket;
  const writes: string[] = [];
  for (const name of ['_write', '_writev']) {
    const original = raw[name]!.bind(raw);
    raw[name] = (...args: unknown[]) => (writes.push(name), original(...args));
  }
  return { socket, writes, received: () => count };
}

describe('NodeWebSocket.batch', () => {
  it('sends the frames made inside it in one write, and each arrives', async () => {
    const { socket, writes, received } = await connected();
    socket.batch!(() => {
      socket.send('{"response":{}}');
      socket.send(new Uint8Array(100));
    });
    expect(writes).toEqual(['_writev']);
    await expect.poll(received).toBe(2);
    socket.close();
  });

  it('proves the check: the same two frames without batch() take two writes', async () => {
    const { socket, writes } = await connected();
    socket.send('{"response":{}}');
    socket.send(new Uint8Array(100));
    expect(writes.length).toBe(2);
    socket.close();
  });
});
