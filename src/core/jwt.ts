import { clockOf, hmacOf, type NowOption, type RuntimeOption } from './runtime.js';
import type { HmacSha256 } from './runtime-types.js';
import { base64UrlDecode, base64UrlEncode, base64UrlEncodeText, timingSafeEqual, utf8Decode, utf8Encode } from './encoding.js';
import { RealtimeError, describeValue } from './errors.js';

// HS256 JWTs for Web PubSub (docs/protocol/webpubsub.md §1): the key is the UTF-8 bytes of the AccessKey.

export type JwtPayload = Record<string, unknown> & {
  aud?: string | string[];
  exp?: number;
  iat?: number;
  nbf?: number;
  sub?: string;
};

export interface JwtOptions extends RuntimeOption {
  /** Shorthand for `runtime.hmac`. */
  hmac?: HmacSha256;
}

const HEADER = base64UrlEncode(utf8Encode(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));

export async function signJwt(payload: JwtPayload, key: string, options: JwtOptions = {}): Promise<string> {
  if (typeof payload !== 'object' || payload === null) throw new TypeError(`expected a payload object, got ${describeValue(payload)}`);
  if (typeof key !== 'string' || key.length === 0) throw new TypeError(`expected key to be a non-empty string, got ${describeValue(key)}`);
  const body = `${HEADER}.${base64UrlEncodeText(JSON.stringify(payload))}`;
  return `${body}.${base64UrlEncode(await hmacOf(options)(key, body))}`;
}

function invalid(message: string): RealtimeError {
  return new RealtimeError('invalid_token', `expected a JWT ${message}`, { status: 401 });
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(utf8Decode(base64UrlDecode(part)));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the typed error
  }
  throw invalid(`with a base64url JSON object ${what}`);
}

/** Decodes without verifying: header and payload. Throws `invalid_token` on malformed input. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: JwtPayload; signature: string } {
  if (typeof token !== 'string') throw invalid(`string, got ${describeValue(token)}`);
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) throw invalid(`of three dot-separated parts, got ${parts.length}`);
  return { header: decodeJson(parts[0]!, 'header'), payload: decodeJson(parts[1]!, 'payload') as JwtPayload, signature: parts[2]! };
}

export interface VerifyJwtOptions extends JwtOptions {
  /** Accepted audience(s), or a predicate. Omit to skip the check. */
  audience?: string | readonly string[] | ((aud: string) => boolean);
  /** Require `exp` (default true, as the Web PubSub service does). */
  requireExpiry?: boolean;
  /** Tolerated clock skew in seconds (default 300, as Microsoft's emulator uses). */
  clockSkewSeconds?: number;
  /** Current time in ms, or a clock; defaults to `runtime.now`, else Date.now(). */
  now?: NowOption;
}

/**
 * Verifies signature, `exp`/`nbf` and `aud`. Rejects with `invalid_token` (malformed or not HS256),
 * `unauthorized` (signature), `expired_token`, or `forbidden` (audience).
 */
export async function verifyJwt(token: string, key: string, options: VerifyJwtOptions = {}): Promise<JwtPayload> {
  const { header, payload, signature } = decodeJwt(token);
  if (header.alg !== 'HS256') throw invalid(`signed with HS256, got alg ${JSON.stringify(header.alg)}`);
  const body = token.slice(0, token.lastIndexOf('.'));
  const expected = base64UrlEncode(await hmacOf(options)(key, body));
  if (!timingSafeEqual(expected, signature.replace(/=+$/, ''))) {
    throw new RealtimeError('unauthorized', 'JWT signature does not match the access key', { status: 401 });
  }
  const nowSeconds = clockOf(options)() / 1000;
  const skew = options.clockSkewSeconds ?? 300;
  if (payload.exp === undefined) {
    if (options.requireExpiry ?? true) throw invalid('with an exp claim');
  } else if (typeof payload.exp !== 'number') {
    throw invalid('with a numeric exp claim');
  } else if (payload.exp + skew <= nowSeconds) {
    throw new RealtimeError('expired_token', `JWT expired at ${new Date(payload.exp * 1000).toISOString()}`, { status: 401 });
  }
  if (typeof payload.nbf === 'number' && payload.nbf - skew > nowSeconds) {
    throw new RealtimeError('unauthorized', 'JWT is not valid yet (nbf)', { status: 401 });
  }
  if (options.audience !== undefined) {
    const audiences = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const accepts =
      typeof options.audience === 'function'
        ? options.audience
        : (aud: string) => (typeof options.audience === 'string' ? [options.audience] : (options.audience as string[])).some((a) => a.toLowerCase() === aud.toLowerCase());
    if (!audiences.some((aud) => typeof aud === 'string' && accepts(aud))) {
      throw new RealtimeError('forbidden', `JWT audience ${JSON.stringify(payload.aud ?? null)} is not accepted here`, { status: 401 });
    }
  }
  return payload;
}
