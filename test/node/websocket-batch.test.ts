import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { NodeWebSocket } from '../../src/node/index.js';
import type { SocketLike } from '../../src/core/transport.js';

// The Node entry's WebSocket corks its TCP socket for the rest of the tick on batch(): a relayed
// HTTP response (two frames), and every other response of the same tick, costs one write in all
// (issue 12, relay HTTP listener).

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

const nextTick = () => new Promise((resolve) => process.nextTick(resolve));

describe('NodeWebSocket.batch', () => {
  it('sends the frames made inside it in one write, and each arrives', async () => {
    const { socket, writes, received } = await connected();
    socket.batch!(() => {
      socket.send('{"response":{}}');
      socket.send(new Uint8Array(100));
    });
    await nextTick();
    expect(writes).toEqual(['_writev']);
    await expect.poll(received).toBe(2);
    socket.close();
  });

  it('sends every batch of one tick in one write (responses answered together leave together)', async () => {
    const { socket, writes, received } = await connected();
    for (let i = 0; i < 3; i++) {
      // As responses do: each batch from its own microtask.
      await Promise.resolve();
      socket.batch!(() => {
        socket.send(`{"response":{"requestId":"${i}"}}`);
        socket.send(new Uint8Array(100));
      });
    }
    expect(writes).toEqual([]);
    await nextTick();
    expect(writes).toEqual(['_writev']);
    await expect.poll(received).toBe(6);
    // The next tick's batch is a write of its own again.
    socket.batch!(() => socket.send('{"response":{}}'));
    await nextTick();
    expect(writes.length).toBe(2);
    socket.close();
  });

  it('sendOwned sends the bytes as one binary message, masked in place instead of in a copy', async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => server!.once('listening', resolve));
    const got = new Promise<Buffer>((resolve) => server!.on('connection', (peer) => peer.on('message', (data) => resolve(data as Buffer))));
    const socket = new NodeWebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`) as SocketLike & { sendOwned(bytes: Uint8Array): void };
    await new Promise((resolve) => (socket.onopen = resolve));
    const body = new Uint8Array(200_000).map((_, i) => i % 251);
    const expected = new Uint8Array(body);
    socket.sendOwned(body);
    expect(Buffer.compare(await got, expected)).toBe(0);
    // The given bytes were masked where they lay (a copy would have left them as they were).
    expect(Buffer.compare(body, expected)).not.toBe(0);
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
