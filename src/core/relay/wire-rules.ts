// Relay wire rules that the client (src/core/relay) and the emulator (src/emulator/relay) both apply,
// written once. Pure functions and constants; imports nothing.

/**
 * RFC 7230 connection-level headers: they never cross the relay in either direction
 * (docs/protocol/relay.md §1.5).
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set(['connection', 'content-length', 'host', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'close']);

/** True for a header name (any case) that stays on its own hop. */
export function isHopByHopHeader(name: string): boolean {
  return HOP_BY_HOP_HEADERS.has(name.toLowerCase());
}

export { isHcParameter, stripHcSegment } from './hc-rules.js';
