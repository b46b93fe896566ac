import type { SocketCloseEvent, SocketLike, SocketMessageEvent, SocketOptions, WebSocketCtor } from '../../../src/core/transport.js';
import type { Timers } from '../../../src/core/relay/index.js';

// A scripted WebSocket passed through the public `WebSocket` option (never patched in), plus
// manual timers, for the listener/client state-machine tests.
export class FakeSocket implements SocketLike {
  static instances: FakeSocket[] = [];
  readyState = 0;
  protocol = '';
  binaryType = 'blob';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: SocketMessageEvent) => void) | null = null;
  onclose: ((event: SocketCloseEvent) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  sent: Array<string | Uint8Array> = [];
  closedWith: { code?: number; reason?: string } | undefined;

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
    readonly options?: SocketOptions,
  ) {
    FakeSocket.instances.push(this);
  }

  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer));
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.closedWith = { code, reason };
    this.readyState = 3;
    this.onclose?.({ code: code ?? 1005, reason: reason ?? '' });
  }

  // --- the "server" side ---
  accept(protocol = ''): void {
    this.protocol = protocol;
    this.readyState = 1;
    this.onopen?.({});
  }

  /** A failed handshake the way `ws` reports it. */
  refuse(status: number): void {
    this.readyState = 3;
    this.onerror?.({ message: `Unexpected server response: ${status}` });
    this.onclose?.({ code: 1006, reason: '' });
  }

  deliver(data: string | Uint8Array): void {
    this.onmessage?.({ data: typeof data === 'string' ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) });
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  sentText(): string[] {
    return this.sent.filter((item): item is string => typeof item === 'string');
  }
}

/** A FakeSocket with `ws`-style ping/pong and `on`, for keep-alive tests. */
export class FakeNodeSocket extends FakeSocket {
  pings = 0;
  pongs = 0;
  handlers = new Map<string, Set<() => void>>();
  ping(): void {
    this.pings++;
  }
  pong(): void {
    this.pongs++;
  }
  on(event: string, listener: () => void): void {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event)!.add(listener);
  }
  off(event: string, listener: () => void): void {
    this.handlers.get(event)?.delete(listener);
  }
  emitPong(): void {
    for (const listener of this.handlers.get('pong') ?? []) listener();
  }
}

export const FakeWebSocket = FakeSocket as unknown as WebSocketCtor;
export const FakeNodeWebSocket = FakeNodeSocket as unknown as WebSocketCtor;

export function resetFakes(): void {
  FakeSocket.instances = [];
}

export function lastSocket(): FakeSocket {
  const socket = FakeSocket.instances.at(-1);
  if (!socket) throw new Error('no socket dialed yet');
  return socket;
}

export class ManualTimers implements Timers {
  now = 1_700_000_000_000;
  #next = 1;
  #pending = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#pending.set(id, { at: this.now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Moves the clock, firing due timers in order (including ones they schedule). */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#pending) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.#pending.delete(due[0]);
      this.now = Math.max(this.now, due[1].at);
      due[1].callback();
    }
    this.now = end;
  }
}
