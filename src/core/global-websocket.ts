import type { WebSocketCtor } from './transport.js';

// Apart from transport.ts: the runtime port (runtime.ts) and the Event Hubs factories look up the
// global WebSocket without loading the socket helpers the relay code shares (scripts/size.mjs).

/** The runtime's own WebSocket, or undefined (Node 20 has none). */
export function globalWebSocket(): WebSocketCtor | undefined {
  const candidate = (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
  return typeof candidate === 'function' ? candidate : undefined;
}
