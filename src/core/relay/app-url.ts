import { appQuery } from './urls.js';
import { stripHcSegment } from './hc-rules.js';

// Addresses the listener reads once a channel is open (docs/protocol/relay.md §1.3): what the app sees
// of a request or accept, and how to reject an accept. Apart from urls.ts, whose builders a page
// needs up front, so these load with the listener's channel (scripts/size.mjs).

/** Reject a pending accept: the dial fails on purpose with 410 when it worked (docs/protocol/relay.md §1.3). */
export function createRelayRejectUrl(address: string, status: number, statusDescription = ''): string {
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`expected an HTTP status, got ${status}`);
  const separator = address.includes('?') ? '&' : '?';
  return `${address}${separator}sb-hc-statusCode=${status}&sb-hc-statusDescription=${encodeURIComponent(statusDescription)}`;
}

/**
 * What the app should see of a rendezvous address or request target: `$hc/` and every `sb-hc-*`
 * parameter removed (docs/protocol/relay.md §1.3), rebased on the namespace as an http(s) URL.
 */
export function relayAppUrl(addressOrTarget: string, namespace: string, secure = true): string {
  const parsed = new URL(addressOrTarget, 'http://relay.invalid');
  const params = appQuery(parsed.search);
  const search = params.toString();
  const pathname = stripHcSegment(parsed.pathname) || '/';
  return `${secure ? 'https' : 'http'}://${namespace}${pathname}${search ? `?${search}` : ''}`;
}
