import { describe, expect, it } from 'vitest';
import { openSocket } from '../../../src/core/relay/sockets.js';
import type { SocketMessageEvent, WebSocketCtor } from '../../../src/core/transport.js';
import { FakeSocket } from './fake-socket.js';

// Frames that arrive with the upgrade, before the caller's `await` resumes and assigns onmessage:
// Deno's global WebSocket dispatches them that early (found by the runtime smoke test).
const timers = { setTimeout: globalThis.setTimeout.bind(globalThis), clearTimeout: globalThis.clearTimeout.bind(globalThis) };

class EagerSocket extends FakeSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols);
    // The "server" accepts and speaks first, all before any promise continuation runs.
    queueMicrotask(() => {
      this.accept();
      this.deliver('greeting');
      this.deliver(new Uint8Array([1, 2, 3]));
    });
  }
}

describe('messages that arrive with the upgrade', () => {
  it('are held until onmessage is assigned, then replayed in order before later ones', async () => {
    const socket = await openSocket(EagerSocket as unknown as WebSocketCtor, 'ws://relay.test/x', { timeoutMs: 1000, timers });
    await Promise.resolve(); // one more hop, as a caller's own async code would add
    const seen: unknown[] = [];
    socket.onmessage = (event: SocketMessageEvent) => seen.push(typeof event.data === 'string' ? event.data : [...new Uint8Array(event.data as ArrayBuffer)]);
    (socket as unknown as FakeSocket).deliver('later');
    expect(seen).toEqual(['greeting', [1, 2, 3], 'later']);
    expect(typeof socket.onmessage).toBe('function');
  });

  it('are not replayed twice when the handler is replaced', async () => {
    const socket = await openSocket(EagerSocket as unknown as WebSocketCtor, 'ws://relay.test/y', { timeoutMs: 1000, timers });
    const first: unknown[] = [];
    const second: unknown[] = [];
    socket.onmessage = (event) => first.push(event.data);
    socket.onmessage = (event) => second.push(event.data);
    (socket as unknown as FakeSocket).deliver('next');
    expect(first).toHaveLength(2);
    expect(second).toEqual(['next']);
  });
});
