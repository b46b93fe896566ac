import type { JwtPayload } from '../../core/jwt.js';

// REST tokens whose signature has been checked, so that a caller presenting the same token on
// every request (a server that mints one and reuses it, or retries) costs one HMAC and JSON decode,
// not one per request. Only tokens that verified are kept, keyed by the exact token string, at
// most `capacity` (the oldest dropped first); the expiry is checked on every use with the same
// clock skew the first check allowed, and the audience answer is remembered per request target.
// One table per emulator: its access key is fixed for its life, so an entry cannot outlive its key.

export const DEFAULT_VERIFIED_TOKEN_CAPACITY = 1024;

/** Audience answers kept per token (one per Host header and request URL it was presented for). */
const AUDIENCES_PER_TOKEN = 8;

export interface VerifiedToken {
  readonly payload: JwtPayload;
  /** ms since the epoch from which the token is refused as expired (exp + the allowed skew). */
  readonly refusedFromMs: number;
  /** Audience checks already made for this token: request target → accepted. */
  readonly audiences: Map<string, boolean>;
}

export class VerifiedTokens {
  readonly #entries = new Map<string, VerifiedToken>();

  constructor(
    readonly capacity = DEFAULT_VERIFIED_TOKEN_CAPACITY,
    /** Seconds a token is still taken after its exp (verifyJwt's clockSkewSeconds). */
    readonly skewSeconds = 300,
  ) {}

  /** The entry for `token` if it verified and has not expired at `nowMs`. */
  get(token: string, nowMs: number): VerifiedToken | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    if (entry.refusedFromMs <= nowMs) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry;
  }

  /** Remembers a token verifyJwt accepted (so it has a numeric exp). */
  add(token: string, payload: JwtPayload): VerifiedToken {
    const entry: VerifiedToken = { payload, refusedFromMs: ((payload.exp ?? 0) + this.skewSeconds) * 1000, audiences: new Map() };
    this.#entries.delete(token);
    this.#entries.set(token, entry);
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    return entry;
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** `compute()`'s answer for `key`, remembered on the entry (a few per token at most). */
export function audienceOf(entry: VerifiedToken, key: string, compute: () => boolean): boolean {
  const known = entry.audiences.get(key);
  if (known !== undefined) return known;
  const covered = compute();
  if (entry.audiences.size < AUDIENCES_PER_TOKEN) entry.audiences.set(key, covered);
  return covered;
}
