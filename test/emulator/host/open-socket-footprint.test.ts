import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { ConnectionGuard } from '../../../src/emulator/host/connection-guard.js';
import { listen, type Listening } from '../../../src/emulator/host/listen.js';
import { createUpgrader, type Upgrader } from '../../../src/emulator/host/upgrade.js';

// What an open, idle socket costs the host (issue 12: idle connection memory): its handshake's
// request is not kept alive, it carries no timer of its own once past the handshake, and its
// listener lists stay at two (a third grows the list's backing store for every socket).

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let server: Server | undefined;
let upgrader: Upgrader | undefined;
let listening: Listening | undefined;
afterEach(async () => {
  upgrader?.close();
  await listening?.close();
  listening = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 10 && ref.deref() !== undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
  }
  return ref.deref() === undefined;
}

describe('an upgraded socket', () => {
  it('does not keep its handshake request (and its head) alive', async () => {
    upgrader = createUpgrader({ maxPayload: 1024 });
    server = createServer();
    let request: WeakRef<IncomingMessage> | undefined;
    let open: WebSocket | undefined;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      request = new WeakRef(req);
      void upgrader!.upgrade(req, socket, head, { onOpen: (ws) => (open = ws) });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/?token=${'x'.repeat(400)}`);
    await new Promise((resolve) => client.once('open', resolve));
    expect(open).toBeDefined();
    expect(await collected(request!)).toBe(true);
    client.close();
  });

  it('has one error listener (ws’s) and at most two close listeners on its stream once open, served by listen()', async () => {
    upgrader = createUpgrader({ maxPayload: 1024 });
    let stream: Duplex | undefined;
    listening = await listen({
      service: 'test',
      port: 0,
      routes: { upgrade: (req, socket, head) => void upgrader!.upgrade(req, socket, head, { onOpen: () => (stream = socket) }) },
    });
    const client = new WebSocket(`ws://127.0.0.1:${listening.port}/`);
    await new Promise((resolve) => client.once('open', resolve));
    expect(stream!.listenerCount('error')).toBe(1);
    expect(stream!.listenerCount('close')).toBeLessThanOrEqual(2);
    client.close();
  });
});

describe('ConnectionGuard', () => {
  function fakeSocket(): Socket & { destroyed: boolean } {
    const socket = new EventEmitter() as unknown as Socket & { destroyed: boolean };
    socket.destroyed = false;
    socket.destroy = vi.fn(() => {
      socket.destroyed = true;
      socket.emit('close');
      return socket;
    });
    return socket;
  }

  it('keeps one timer for every deadline, and still closes exactly the connections that did not finish in time', () => {
    vi.useFakeTimers();
    try {
      const guard = new ConnectionGuard({ handshakeTimeoutMs: 1000 });
      const sockets = Array.from({ length: 100 }, fakeSocket);
      const entries = sockets.map((socket) => guard.admit(socket)!);
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(500);
      const late = fakeSocket();
      const lateEntry = guard.admit(late)!;
      expect(vi.getTimerCount()).toBe(1);
      entries.slice(0, 50).forEach((entry) => entry.pass());
      entries[50]!.passWhen(() => true);
      entries[51]!.passWhen(() => false);
      sockets[99]!.emit('close');
      expect(guard.openConnections).toBe(100);
      vi.advanceTimersByTime(500);
      expect(sockets.slice(0, 51).every((s) => !s.destroyed)).toBe(true);
      expect(sockets.slice(51, 99).every((s) => s.destroyed)).toBe(true);
      expect(late.destroyed).toBe(false);
      expect(guard.openConnections).toBe(52);
      // The later connection has its own deadline, 1 s after it came.
      vi.advanceTimersByTime(499);
      expect(late.destroyed).toBe(false);
      vi.advanceTimersByTime(1);
      expect(late.destroyed).toBe(true);
      expect(lateEntry.passed).toBe(false);
      expect(vi.getTimerCount()).toBe(0);
      expect(guard.openConnections).toBe(51);
      expect(guard.of(sockets[0])).toBe(entries[0]);
      expect(new ConnectionGuard().of(sockets[0])).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
