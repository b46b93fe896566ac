import { resolveRuntime } from '../core/runtime.js';
import type { Runtime } from '../core/runtime-types.js';

/**
 * The browser runtime, built once: the global WebSocket (which cannot set headers, so Relay tokens go
 * in the query), WebCrypto HMAC (@noble/hashes where `crypto.subtle` is missing: insecure origins),
 * the global timers, clock and fetch. These are core's own defaults, so the browser entry passes
 * nothing to the clients; apps pass `runtime: browserRuntime` only to spell it out.
 */
export const browserRuntime: Runtime = /* @__PURE__ */ resolveRuntime({ webSocketHeaders: false });
