import type { TokenCredential } from '@azure/core-auth';
import type { ClientAccessToken, ClientProtocol } from './client-token.js';
import type { WebPubSubRestClient } from './rest-types.js';
import type { GenerateClientTokenOptions } from './service-types.js';

// Microsoft Entra ID (a TokenCredential) instead of the access key (docs/protocol/webpubsub.md §1, §3 row 6). Loaded with a
// dynamic import the first time a client built with a TokenCredential needs it, as the @noble/hashes
// fallback is: key-based clients (most browser and edge bundles) do not carry it, and an app that uses
// Entra already ships @azure/identity or msal, next to which this chunk is small. It imports nothing at
// run time: a module shared with the eager code would become a chunk of its own that every bundle of
// the package loads (scripts/size.mjs), so failures leave here raw and the callers type them (rest.ts,
// service-client.ts).

const TOKEN_RENEW_MARGIN_MS = 120_000;
const CLIENT_TYPES: Record<ClientProtocol, string> = { default: 'Default', mqtt: 'MQTT', socketio: 'SocketIO' };

/** Bearer tokens for `scope` (https://webpubsub.azure.com/.default), cached until 2 minutes before they expire. */
export function entraBearer(credential: TokenCredential, scope: string, now: () => number): (abortSignal?: AbortSignal) => Promise<string> {
  let cached: { token: string; expiresOnTimestamp: number } | null = null;
  return async (abortSignal) => {
    if (!(cached && cached.expiresOnTimestamp - TOKEN_RENEW_MARGIN_MS > now())) {
      cached = await credential.getToken(scope, abortSignal ? { abortSignal } : {});
      if (!cached) throw new TypeError('TokenCredential returned no token');
    }
    return cached.token;
  };
}

/**
 * getClientAccessToken with a TokenCredential: the service mints the token (REST generateToken);
 * undefined when its answer holds none.
 * `tokenPath` is the generateToken operation's path (rest-spec.ts, built by the caller: this chunk
 * imports nothing), `path` the client path (`client/hubs/{hub}` or the mqtt / socketio one). Unlike @azure/web-pubsub
 * 1.2 we also pass expirationTimeInMinutes on, as `minutesToExpire`.
 */
export async function generateClientToken(rest: WebPubSubRestClient, tokenPath: string, path: string, options: GenerateClientTokenOptions): Promise<ClientAccessToken | undefined> {
  const { userId, roles: role, groups: group, expirationTimeInMinutes: minutesToExpire, clientProtocol = 'default', abortSignal } = options;
  const url = rest.url(tokenPath, { userId, role, minutesToExpire, group, clientType: CLIENT_TYPES[clientProtocol] });
  const { token } = (await (await rest.send('getClientAccessToken', 'POST', url, abortSignal)).json()) as { token?: unknown };
  if (typeof token !== 'string') return undefined;
  const baseUrl = rest.endpoint.replace(/^http/i, 'ws') + path;
  return { token, baseUrl, url: `${baseUrl}?access_token=${token}` };
}
