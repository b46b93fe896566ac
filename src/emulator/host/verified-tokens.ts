// Tokens whose signature has been checked, so that a caller presenting the same token on every
// request (clients mint one and reuse it until it nears expiry) costs one HMAC, not one per
// request. Only tokens that verified are kept, keyed by the exact token string, at most `capacity`
// (the oldest dropped first); the expiry is checked on every use, and the caller may tie an entry
// to what verified it (a Relay rule object: a rule replaced with new keys no longer matches). The
// audience answer is remembered per request target, a few per token.

export const DEFAULT_VERIFIED_TOKEN_CAPACITY = 1024;

/** Audience answers kept per token (one per host and entity or URL it was presented for). */
const AUDIENCES_PER_TOKEN = 8;

export interface VerifiedToken<Proof> {
  /** What the signature check produced: a parsed token and its rule, a JWT payload. */
  readonly proof: Proof;
  /** ms since the epoch from which the token is refused as expired. */
  readonly refusedFromMs: number;
  /** Audience checks already made for this token: request target → accepted. */
  readonly audiences: Map<string, boolean>;
}

export class VerifiedTokens<Proof> {
  readonly #entries = new Map<string, VerifiedToken<Proof>>();

  constructor(readonly capacity = DEFAULT_VERIFIED_TOKEN_CAPACITY) {}

  /** The entry for `token` if it has not expired at `nowMs` and `stillHolds` accepts its proof. */
  get(token: string, nowMs: number, stillHolds?: (proof: Proof) => boolean): VerifiedToken<Proof> | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    if (entry.refusedFromMs <= nowMs || (stillHolds && !stillHolds(entry.proof))) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry;
  }

  /** Remembers a token that just verified. */
  add(token: string, proof: Proof, refusedFromMs: number): VerifiedToken<Proof> {
    const entry: VerifiedToken<Proof> = { proof, refusedFromMs, audiences: new Map() };
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
export function audienceOf(entry: VerifiedToken<unknown>, key: string, compute: () => boolean): boolean {
  const known = entry.audiences.get(key);
  if (known !== undefined) return known;
  const covered = compute();
  if (entry.audiences.size < AUDIENCES_PER_TOKEN) entry.audiences.set(key, covered);
  return covered;
}
