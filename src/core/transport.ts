// The WebSocket port: the shape of the browser WebSocket that core code relies on, so the
// native constructor, `ws`, or a test fake can be passed in (docs/architecture.md "The runtime port").
export interface SocketMessageEvent {
  data: unknown;
}

export interface SocketCloseEvent {
  code: number;
  reason: string;
  wasClean?: boolean;
}

export interface SocketLike {
  readonly readyState: number;
  readonly protocol: string;
  readonly bufferedAmount?: number;
  binaryType: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: SocketMessageEvent) => void) | null;
  onclose: ((event: SocketCloseEvent) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  /**
   * Optional: runs `sends` (calls of `send`) so that the frames may leave in one write. The Node
   * entry's WebSocket corks its TCP socket; elsewhere sends go out as they are made.
   */
  batch?(sends: () => void): void;
}

/** Options only some constructors honour (`ws` in Node): request headers on the upgrade. */
export interface SocketOptions {
  headers?: Record<string, string>;
}

export type WebSocketCtor = new (url: string, protocols?: string | string[], options?: SocketOptions) => SocketLike;

export const SocketState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;


/** Resolves the constructor to use: the one passed in, else the global, else a TypeError saying how to fix it. */
export function resolveWebSocket(ctor?: WebSocketCtor): WebSocketCtor {
  const candidate = ctor ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
  if (typeof candidate !== 'function') {
    throw new TypeError('expected a WebSocket constructor, got none: import from "azure-realtime/node" or pass the `WebSocket` option');
  }
  return candidate;
}
