import type { IncomingMessage } from 'node:http';
import { safeDecodeURIComponent as safeDecode } from '../../core/encoding.js';
import { isHcParameter } from '../../core/relay/wire-rules.js';

// What of a sender's request reaches the listener (docs/protocol/relay.md §1.1, §1.5): its headers
// as sent, and its query without the service's own sb-hc-* parameters.

/** Headers as the peer sent them (original case), repeated names joined with ", ". */
export function rawHeaderMap(req: IncomingMessage, drop: (lowerName: string) => boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    const lower = name.toLowerCase();
    if (drop(lower)) continue;
    const existing = seen.get(lower);
    if (existing === undefined) {
      seen.set(lower, name);
      headers[name] = value;
    } else {
      headers[existing] = `${headers[existing]}, ${value}`;
    }
  }
  return headers;
}

/** The app's raw query string with every sb-hc-* parameter removed, other bytes untouched (docs/protocol/relay.md §1.1). */
export function appQuery(rawQuery: string): string {
  return rawQuery
    .split('&')
    .filter((part) => part !== '' && !isHcParameter(safeDecode(part.split('=')[0]!)))
    .join('&');
}

/** The raw query of a request target, without the '?'. */
export function rawQueryOf(target: string | undefined): string {
  const at = (target ?? '').indexOf('?');
  return at < 0 ? '' : (target ?? '').slice(at + 1);
}
