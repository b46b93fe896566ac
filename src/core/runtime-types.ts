import type { WebSocketCtor } from './transport.js';

// The runtime port's types, at the bottom of core: every module that takes a clock, timers, an HMAC
// or a WebSocket imports them from here, and this file imports nothing at run time.

/**
 * HMAC-SHA256. SAS and Web PubSub keys are used as the UTF-8 bytes of the key string
 * (docs/protocol/relay.md §2, docs/protocol/webpubsub.md §1), so string keys are the common case.
 * Implementations may answer synchronously; callers always `await`.
 */
export type HmacSha256 = (key: string | Uint8Array, message: string | Uint8Array) => Uint8Array | Promise<Uint8Array>;

/** setTimeout/clearTimeout as the runtime has them (handles are opaque: numbers in browsers, objects in Node). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Optional so that a `{ setTimeout, clearTimeout }` fake still fits; the global timers have both. */
  setInterval?(callback: () => void, ms: number): unknown;
  clearInterval?(handle: unknown): void;
}

/** Everything core needs from its host, resolved once (runtime.ts) and passed to every client. */
export interface Runtime {
  /** The WebSocket constructor; undefined where the runtime has none and none was passed (Node 20). */
  WebSocket: WebSocketCtor | undefined;
  /**
   * Whether `WebSocket` takes `{ headers }` as its third argument (`ws`). The W3C WebSocket cannot set
   * headers, so tokens then travel in the query (docs/protocol/relay.md §1.2).
   */
  webSocketHeaders: boolean;
  hmac: HmacSha256;
  /** Called as methods (`timers.setTimeout(…)`), so a fake class instance keeps its `this`. */
  timers: Timers;
  /** Clock in ms since the epoch. */
  now(): number;
  fetch: typeof fetch;
}
