// The WebSocket port: the shape of the browser WebSocket that core code relies on, so the
// native constructor, `ws`, or a test fake can be passed in (style-anchors "The seam").
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

/** Converts whatever a socket delivers (string, ArrayBuffer, view, Node Buffer) to string | Uint8Array. */
export function toFrameData(data: unknown): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) {
    // `ws` fragments arrive as Buffer[] when binaryType is 'fragments'.
    const parts = data.map((part) => toFrameData(part) as Uint8Array);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
  throw new TypeError(`expected string or binary frame data, got ${typeof data}`);
}
