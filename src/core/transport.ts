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

/**
 * A socket's message data as string | Uint8Array. Sockets we open use binaryType 'arraybuffer', so
 * binary frames arrive as ArrayBuffer; a Uint8Array (of any subclass) is taken as it is.
 */
export function toFrameData(data: unknown): string | Uint8Array {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError(`expected a string, ArrayBuffer or Uint8Array frame, got ${typeof data}`);
}
