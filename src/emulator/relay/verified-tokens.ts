import type { ParsedSasToken } from '../../core/sas.js';
import type { SasRule } from '../host/sas-rules.js';

// Tokens whose signature has been checked, so that a sender presenting the same token on every
// request (what clients do: they mint one and reuse it until it nears expiry) costs one HMAC, not
// one per request. An entry is keyed by the exact token string and tied to the rule object that
// verified it: a rule replaced (new keys) no longer matches, and the expiry is checked on every use.
// Only tokens that verified are kept, at most `capacity`, the oldest dropped first.

export const DEFAULT_VERIFIED_TOKEN_CAPACITY = 1024;

/** Audience answers kept per token (one per host name and entity it was presented for). */
const AUDIENCES_PER_TOKEN = 8;

export interface VerifiedToken {
  readonly rule: SasRule;
  readonly parsed: ParsedSasToken;
  /** Audience checks already made for this token: key → covered. */
  readonly audiences: Map<string, boolean>;
}

export class VerifiedTokens {
  readonly #entries = new Map<string, VerifiedToken>();

  constructor(readonly capacity = DEFAULT_VERIFIED_TOKEN_CAPACITY) {}

  /** The entry for `token` if `rule` verified it and it has not expired at `nowMs`. */
  get(token: string, rule: SasRule, nowMs: number): VerifiedToken | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    if (entry.rule !== rule || entry.parsed.expiresAt * 1000 <= nowMs) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry;
  }

  add(token: string, rule: SasRule, parsed: ParsedSasToken): VerifiedToken {
    const entry: VerifiedToken = { rule, parsed, audiences: new Map() };
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
