import type { AccessToken as CoreAccessToken } from '@azure/core-auth';
import { describeValue } from './errors.js';
import { clockOf, hmacOf, type NowOption, type RuntimeOption } from './runtime.js';
import type { HmacSha256 } from './runtime-types.js';
import { createSasToken } from './sas-create.js';
import { parseSasToken } from './sas-parse.js';
import { isTokenCredential, isTokenProvider, type AccessToken, type SasTokenSource, type TokenProvider } from './token-provider.js';

export interface SasTokenProviderOptions extends RuntimeOption {
  /** Lifetime of minted tokens (default 3600 s, the .NET default). */
  ttlSeconds?: number;
  /** Renew this long before expiry (default 300 s, capped at a fifth of the lifetime). */
  renewBeforeSeconds?: number;
  /** Entra ID scope for a TokenCredential, e.g. `https://relay.azure.net/.default`. */
  scope?: string;
  /** Shorthand for `runtime.hmac`. */
  hmac?: HmacSha256;
  /** Shorthand for `runtime.now`: a clock in ms, or a fixed instant (tests). */
  now?: NowOption;
}

/**
 * A token provider over a key (mint, cache per audience, renew before expiry), a fixed SAS string
 * (returned as is: it cannot be renewed, docs/protocol/relay.md §2 on azure-relay-node#8), or an Entra
 * `TokenCredential`.
 */
export function createSasTokenProvider(source: SasTokenSource, options: SasTokenProviderOptions = {}): TokenProvider & { kind: 'token-provider' } {
  if (isTokenProvider(source)) return source as TokenProvider & { kind: 'token-provider' };
  const now = clockOf(options);
  const hmac = hmacOf(options);
  const ttl = options.ttlSeconds ?? 3600;
  const renewBefore = Math.min(options.renewBeforeSeconds ?? 300, ttl / 5);
  const cache = new Map<string, Promise<AccessToken>>();
  const fresh = (token: AccessToken) => token.expiresAt - renewBefore > now() / 1000;

  let mint: (audience: string) => Promise<AccessToken>;
  if (typeof source === 'object' && source !== null && 'sharedAccessSignature' in source) {
    const fixed = source.sharedAccessSignature;
    const { expiresAt } = parseSasToken(fixed);
    mint = async () => ({ token: fixed, expiresAt });
  } else if (typeof source === 'object' && source !== null && 'keyName' in source && 'key' in source) {
    const { keyName, key } = source;
    mint = async (audience) => {
      const expiresAt = Math.floor(now() / 1000 + ttl);
      return { token: await createSasToken({ resourceUri: audience, keyName, key, expiresAt, hmac }), expiresAt };
    };
  } else if (isTokenCredential(source)) {
    const scope = options.scope;
    if (!scope) throw new TypeError('expected options.scope with a TokenCredential, got undefined');
    mint = async () => {
      const result: CoreAccessToken | null = await source.getToken(scope);
      if (!result) throw new TypeError('expected the TokenCredential to return a token, got null');
      return { token: result.token, expiresAt: Math.floor(result.expiresOnTimestamp / 1000) };
    };
  } else {
    throw new TypeError(`expected { keyName, key }, { sharedAccessSignature }, or a TokenCredential, got ${describeValue(source)}`);
  }

  return {
    kind: 'token-provider',
    async getToken(audience: string) {
      const cached = cache.get(audience);
      if (cached) {
        const token = await cached.catch(() => undefined);
        if (token && fresh(token)) return token;
      }
      const next = mint(audience);
      cache.set(audience, next);
      next.catch(() => cache.delete(audience));
      return next;
    },
  };
}
