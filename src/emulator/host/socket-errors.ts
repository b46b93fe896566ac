import type { Duplex } from 'node:stream';

/**
 * The error listener a socket gets until a protocol layer takes it over (a client vanishing
 * mid-handshake must not be an uncaught error). One shared function, not a closure per socket,
 * so that the upgrader can take it off again once `ws` has its own (host/upgrade.ts).
 */
export function destroyOnError(this: Duplex): void {
  this.destroy();
}
