import type { TokenCredential } from '@azure/core-auth';

// Token provider types and guards. The SAS provider itself is sas-token-provider.ts: code that only
// needs to tell a credential from a provider (the Web PubSub clients) does not load SAS parsing.

export interface AccessToken {
  token: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** Gives a token for an audience (a SAS resource URI); implementations cache and renew. */
export interface TokenProvider {
  getToken(audience: string): Promise<AccessToken>;
}

export type SasTokenSource =
  | { keyName: string; key: string }
  | { sharedAccessSignature: string }
  | TokenCredential
  | TokenProvider;

export function isTokenCredential(value: unknown): value is TokenCredential {
  return typeof value === 'object' && value !== null && typeof (value as TokenCredential).getToken === 'function';
}

/** A provider made by createSasTokenProvider (tagged, so it is not mistaken for a TokenCredential). */
export function isTokenProvider(value: unknown): value is TokenProvider {
  return typeof value === 'object' && value !== null && (value as { kind?: string }).kind === 'token-provider';
}
