import { resolveRuntime } from '../core/runtime.js';
import type { Runtime } from '../core/runtime-types.js';
import { nodeHmac } from './hmac.js';
import { NodeWebSocket } from './websocket.js';

/**
 * The Node runtime, built once: node:crypto HMAC (it signs many times faster than awaiting
 * crypto.subtle per call) and `ws`, which sends upgrade headers (Node 20 has no global WebSocket).
 * Timers, clock and fetch are the globals.
 */
export const nodeRuntime: Runtime = /* @__PURE__ */ resolveRuntime({ WebSocket: NodeWebSocket, webSocketHeaders: true, hmac: nodeHmac });

/**
 * `options` with the Node runtime beneath the caller's own `runtime` (and shorthand options, which core
 * reads first). A caller's own WebSocket carries headers only if the caller says so.
 */
export function withNodeRuntime<T extends { runtime?: Partial<Runtime> }>(options: T | undefined): T {
  const own = options?.runtime;
  const headers = own?.WebSocket !== undefined && own.webSocketHeaders === undefined ? { webSocketHeaders: false } : {};
  return { ...options, runtime: { ...nodeRuntime, ...headers, ...own } } as T;
}
