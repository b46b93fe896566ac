import type { WebSocketCtor } from '../../../src/core/transport.js';

// The WebSocket for this runtime: the browser's global, or `ws` through isomorphic-ws on Node 20
// (which has no global WebSocket). Node gets the token in the header, the browser in the query.
export async function runtimeWebSocket(): Promise<WebSocketCtor> {
  const global = (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
  if (global) return global;
  const module = await import('isomorphic-ws');
  return module.default as unknown as WebSocketCtor;
}

export const inBrowser = typeof (globalThis as { document?: unknown }).document !== 'undefined';

export function uniquePath(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

export function nextMessage(socket: { onmessage: ((event: { data: unknown }) => void) | null }): Promise<unknown> {
  return new Promise((resolve) => {
    socket.onmessage = (event) => resolve(event.data);
  });
}
