import type { HmacSha256, Runtime, Timers } from './runtime-types.js';
import { globalWebSocket } from './global-websocket.js';


// The one runtime port: WebSocket (and whether it carries headers), HMAC, timers, clock and fetch.
// Core never reaches for a global elsewhere; each client resolves its `runtime` option here once, and
// each entry (src/node, src/browser) builds its own Runtime once and passes it to every client.

// The default HMAC (WebCrypto, else @noble/hashes) loads with crypto.ts on first use: a relay
// listener or client built with a key signs only when it dials (scripts/size.mjs).
let loadedHmac: HmacSha256 | undefined;
const defaultHmac: HmacSha256 = (key, message) =>
  loadedHmac ? loadedHmac(key, message) : import('./default-hmac.js').then((crypto) => (loadedHmac = crypto.getDefaultHmac())(key, message));
const globalFetch: typeof fetch = (input, init) => globalThis.fetch(input, init);


/**
 * A complete Runtime: what `partial` gives, else the globals (WebCrypto or @noble/hashes for HMAC).
 * A WebSocket carries headers only when `webSocketHeaders` says so: the W3C one never does.
 */
export function resolveRuntime(partial: Partial<Runtime> = {}): Runtime {
  return {
    WebSocket: partial.WebSocket ?? globalWebSocket(),
    webSocketHeaders: partial.webSocketHeaders ?? false,
    hmac: partial.hmac ?? defaultHmac,
    // Called as methods of globalThis, so they are looked up per call: a test's fake timers apply.
    timers: partial.timers ?? (globalThis as unknown as Timers),
    now: partial.now ?? (() => Date.now()),
    fetch: partial.fetch ?? globalFetch,
  };
}

/** The `runtime` option every client takes. */
export interface RuntimeOption {
  /** Host bindings (the node entry passes node:crypto HMAC and `ws`); anything left out is the global default. */
  runtime?: Partial<Runtime>;
}

/** A clock option as the public APIs take it: a fixed instant in ms (token functions) or a function. */
export type NowOption = number | (() => number);

/** The clock to use: the option (a fixed instant or a function), else the runtime's, else Date.now. */
export function clockOf(options: { now?: NowOption; runtime?: Partial<Runtime> }): () => number {
  const { now } = options;
  if (typeof now === 'number') return () => now;
  return now ?? options.runtime?.now ?? (() => Date.now());
}

/** The HMAC to use: the option, else the runtime's, else the default (WebCrypto, else @noble/hashes). */
export function hmacOf(options: { hmac?: HmacSha256; runtime?: Partial<Runtime> } | undefined): HmacSha256 {
  return options?.hmac ?? options?.runtime?.hmac ?? defaultHmac;
}
