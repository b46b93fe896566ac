import { RealtimeError } from '../errors.js';
import type { AccessToken, TokenProvider } from '../token-provider.js';
import { SocketState, type SocketLike } from '../transport.js';
import type { Timers } from '../runtime-types.js';
import { encodeControlMessage } from './protocol.js';

// Sends `renewToken` on the control channel ahead of expiry (docs/protocol/relay.md §1.6): 10% of the
// remaining lifetime before it, between 1 s and 60 s. The Node packages renewed on a fixed 1 h
// and let static tokens expire (azure-relay-node#8); .NET and Java renew at expiry.

export interface RenewalContext {
  tokenProvider: TokenProvider;
  audience: string;
  timers: Timers;
  now: () => number;
  onError(error: RealtimeError): void;
}

export function startTokenRenewal(ctx: RenewalContext, socket: SocketLike, first: AccessToken): { stop(): void } {
  let current = first;
  let timer: unknown;
  let stopped = false;
  const schedule = (delayMs: number) => {
    ctx.timers.clearTimeout(timer);
    timer = ctx.timers.setTimeout(() => void renew(), Math.max(0, delayMs));
  };
  const scheduleFor = (token: AccessToken) => {
    const remaining = token.expiresAt * 1000 - ctx.now();
    schedule(remaining - Math.min(60_000, Math.max(1000, remaining * 0.1)));
  };
  const renew = async () => {
    let next: AccessToken;
    try {
      next = await ctx.tokenProvider.getToken(ctx.audience);
    } catch (cause) {
      if (stopped) return;
      ctx.onError(new RealtimeError('unauthorized', 'token renewal failed; retrying in 1 s', { cause }));
      schedule(1000);
      return;
    }
    if (stopped || socket.readyState !== SocketState.OPEN) return;
    if (next.token === current.token) {
      // A fixed token cannot be renewed; ask again closer to expiry in case the provider renews late.
      const remaining = current.expiresAt * 1000 - ctx.now();
      if (remaining > 2000) schedule(remaining / 2);
      return;
    }
    socket.send(encodeControlMessage({ type: 'renewToken', token: next.token }));
    current = next;
    scheduleFor(next);
  };
  scheduleFor(first);
  return {
    stop() {
      stopped = true;
      ctx.timers.clearTimeout(timer);
    },
  };
}
