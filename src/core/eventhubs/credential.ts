import type { NamedKeyCredential, SASCredential, TokenCredential } from '@azure/core-auth';
import { describeValue } from '../errors.js';
import { parseSasToken } from '../sas-parse.js';
import { isTokenCredential, isTokenProvider, type SasTokenSource, type TokenProvider } from '../token-provider.js';

// How @azure/event-hubs 6 treats each credential (read in its connectionContext/withAuth, docs/protocol/eventhubs.md §1.3):
// * NamedKeyCredential → the SDK mints a SAS per audience itself (WebCrypto in browsers), 1 h, renewed every 45 min.
// * SASCredential → the SDK sends `.signature` for EVERY audience (hub, partitions, $management), re-read
//   at each attach and renewal; so the token's `sr` must be the hub (or the namespace), a parent of all of them.
// * TokenCredential → treated as Entra ID: getToken('https://eventhubs.azure.net//.default'), CBS type `jwt`.
// * an object with `isSasTokenProvider: true` (core-amqp's SasTokenProvider) → getToken(audience) per
//   audience, CBS type `servicebus.windows.net:sastoken`: the only way to plug in a renewing SAS source.

export type EventHubsCredential = NamedKeyCredential | SASCredential | TokenCredential;
export type EventHubsCredentialSource = SasTokenSource | NamedKeyCredential | SASCredential;

/** core-amqp's SasTokenProvider shape; typed as a TokenCredential because that is what the SDK constructors accept. */
export interface EventHubsSasTokenProvider extends TokenCredential {
  readonly isSasTokenProvider: true;
}

// Duck-typed like @azure/core-auth's isNamedKeyCredential / isSASCredential (which the SDK uses), so
// this module needs nothing from the SDK packages at run time (see clients.ts on lazy loading).
function isNamedKeyCredential(value: unknown): value is NamedKeyCredential {
  return typeof value === 'object' && value !== null && typeof (value as NamedKeyCredential).name === 'string' && typeof (value as NamedKeyCredential).key === 'string';
}

function isSASCredential(value: unknown): value is SASCredential {
  return typeof value === 'object' && value !== null && typeof (value as SASCredential).signature === 'string';
}

/**
 * Wraps one of our TokenProviders (key-backed, or a page's fetch of a server-minted token) so the
 * SDK asks it for a SAS token per audience, at every attach and renewal.
 */
export function eventHubsSasTokenProvider(provider: TokenProvider): EventHubsSasTokenProvider {
  if (!provider || typeof provider.getToken !== 'function') {
    throw new TypeError(`expected a TokenProvider with getToken(audience), got ${describeValue(provider)}`);
  }
  return {
    isSasTokenProvider: true,
    async getToken(audience: string | string[]) {
      const target = Array.isArray(audience) ? audience[0] : audience;
      if (typeof target !== 'string') throw new TypeError(`expected an audience string, got ${describeValue(audience)}`);
      const { token, expiresAt } = await provider.getToken(target);
      return { token, expiresOnTimestamp: expiresAt * 1000 };
    },
  };
}

/**
 * Our token sources as a credential @azure/event-hubs accepts: a key → NamedKeyCredential, a fixed
 * SAS string → SASCredential (checked for shape first, so a typo fails here and not at attach),
 * a TokenCredential as is, and a tagged TokenProvider (createSasTokenProvider) → SasTokenProvider.
 */
export function toEventHubsCredential(source: EventHubsCredentialSource): EventHubsCredential {
  if (isTokenProvider(source)) return eventHubsSasTokenProvider(source);
  if (isNamedKeyCredential(source) || isSASCredential(source)) return source;
  if (typeof source === 'object' && source !== null && 'sharedAccessSignature' in source) {
    parseSasToken(source.sharedAccessSignature);
    return { signature: source.sharedAccessSignature };
  }
  if (typeof source === 'object' && source !== null && 'keyName' in source && 'key' in source) {
    if (typeof source.keyName !== 'string' || !source.keyName || typeof source.key !== 'string' || !source.key) {
      throw new TypeError('expected { keyName, key } as non-empty strings, got an empty or non-string value');
    }
    return { name: source.keyName, key: source.key };
  }
  if (isTokenCredential(source)) return source;
  throw new TypeError(`expected { keyName, key }, { sharedAccessSignature }, a TokenCredential or a TokenProvider, got ${describeValue(source)}`);
}

/** A credential whose token never changes can go into a connection string (see clients.ts). */
export function staticConnectionStringPart(
  source: EventHubsCredentialSource,
): { sharedAccessSignature: string } | { sharedAccessKeyName: string; sharedAccessKey: string } | undefined {
  if (isTokenProvider(source)) return undefined;
  if (typeof source === 'object' && source !== null && 'sharedAccessSignature' in source && typeof source.sharedAccessSignature === 'string') {
    return { sharedAccessSignature: source.sharedAccessSignature };
  }
  if (typeof source === 'object' && source !== null && 'keyName' in source && 'key' in source) {
    return { sharedAccessKeyName: source.keyName, sharedAccessKey: source.key };
  }
  return undefined;
}
