import { base64Encode, safeDecodeURIComponent, timingSafeEqual } from './encoding.js';
import { RealtimeError } from './errors.js';
import { stripHcSegment } from './relay/hc-rules.js';
import { parseSasToken, type ParsedSasToken } from './sas-parse.js';
import { clockOf, hmacOf, type NowOption, type RuntimeOption } from './runtime.js';
import type { HmacSha256 } from './runtime-types.js';

// Service Bus SAS tokens for Relay and Event Hubs (docs/protocol/relay.md §2):
//   SharedAccessSignature sr={enc(uri)}&sig={enc(base64(HMAC))}&se={unix}&skn={name}
// The string to sign is the *encoded* sr, LF, se; the key is the UTF-8 bytes of the key string.
// Minting is sas-create.ts and parsing sas-parse.ts, each a module of its own so that a page loads
// only the part it uses (scripts/size.mjs); this module verifies, and re-exports the other two for
// code that wants all of SAS from one place.

export { DEFAULT_SAS_TTL_SECONDS, createSasToken, sasTokenParts, resolveExpiry, type CreateSasTokenOptions } from './sas-create.js';
export { parseSasToken, sasResourceUri, type ParsedSasToken } from './sas-parse.js';

async function sign(key: string, encodedResourceUri: string, expiresAt: number, hmac: HmacSha256): Promise<string> {
  return base64Encode(await hmac(key, `${encodedResourceUri}\n${expiresAt}`));
}

export interface VerifySasTokenOptions extends RuntimeOption {
  /** Key for a rule name, or undefined when the rule is unknown. */
  getKey: (keyName: string) => string | undefined;
  /** The URI being accessed; the token's sr must equal it or be a parent of it. Omit to skip the audience check. */
  audience?: string;
  /** Current time in ms, or a clock; defaults to `runtime.now`, else Date.now(). */
  now?: NowOption;
  /** Shorthand for `runtime.hmac`. */
  hmac?: HmacSha256;
}

/**
 * Checks signature, expiry and audience. Rejects with RealtimeError: `invalid_token` (malformed),
 * `unauthorized` (unknown rule or bad signature), `expired_token`, `forbidden` (valid, other resource).
 */
export async function verifySasToken(token: string, options: VerifySasTokenOptions): Promise<ParsedSasToken> {
  const parsed = parseSasToken(token);
  const key = options.getKey(parsed.keyName);
  if (key === undefined) {
    throw new RealtimeError('unauthorized', `no shared access rule named "${parsed.keyName}"`, { status: 401 });
  }
  const expected = await sign(key, parsed.encodedResourceUri, parsed.expiresAt, hmacOf(options));
  if (!timingSafeEqual(expected, parsed.signature)) {
    throw new RealtimeError('unauthorized', `SAS signature does not match rule "${parsed.keyName}"`, { status: 401 });
  }
  if (parsed.expiresAt * 1000 <= clockOf(options)()) {
    throw new RealtimeError('expired_token', `SAS token expired at ${new Date(parsed.expiresAt * 1000).toISOString()}`, { status: 401 });
  }
  if (options.audience !== undefined && !sasAudienceCovers(parsed.resourceUri, options.audience)) {
    throw new RealtimeError('forbidden', `SAS token is for ${parsed.resourceUri}, not ${normalizeSasAudience(options.audience)}`, { status: 403 });
  }
  return parsed;
}

/**
 * Audience comparison form: scheme dropped (http, sb, https, wss all seen, docs/protocol/relay.md §2), host
 * lowercased, explicit port, `$hc/`, query and trailing slash removed; the path compared case-
 * insensitively because Service Bus entity names are.
 */
export function normalizeSasAudience(uri: string): string {
  let rest = uri.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  rest = rest.replace(/[?#].*$/, '');
  const slash = rest.indexOf('/');
  const host = (slash < 0 ? rest : rest.slice(0, slash)).replace(/:\d+$/, '');
  let path = slash < 0 ? '' : rest.slice(slash);
  // A malformed escape stays raw: it simply will not match a well-formed sr.
  path = safeDecodeURIComponent(stripHcSegment(path).replace(/\/+$/, ''));
  return `${host}${path}`.toLowerCase();
}

/** True when the token's resource equals the target or is one of its parents (path-segment boundary). */
export function sasAudienceCovers(resourceUri: string, target: string): boolean {
  const resource = normalizeSasAudience(resourceUri);
  const wanted = normalizeSasAudience(target);
  return wanted === resource || wanted.startsWith(`${resource}/`);
}

