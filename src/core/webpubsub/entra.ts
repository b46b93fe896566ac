import type { TokenCredential } from '@azure/core-auth';
import type { ClientAccessToken, ClientProtocol } from './client-token.js';
import { restError as fail } from './rest-error.js';
import type { WebPubSubRestClient } from './rest-types.js';
import type { GenerateClientTokenOptions } from './service-types.js';

// Microsoft Entra ID (a TokenCredential) instead of the access key (note §1, §3 row 6). Loaded with a
// dynamic import the first time a client built with a TokenCredential needs it, as the @noble/hashes
// fallback is: key-based clients (most browser and edge bundles) do not carry it, and an app that uses
// Entra already ships @azure/identity or msal, next to which this chunk is small. Its one run-time import
// (rest-error.ts) is one the REST client loads anyway.

const TOKEN_RENEW_MARGIN_MS = 120_000;
const CLIENT_TYPES: Record<ClientProtocol, string> = { default: 'Default', mqtt: 'MQTT', socketio: 'SocketIO' };

/** Bearer tokens for `scope` (https://webpubsub.azure.com/.default), cached until 2 minutes before they expire. */
export function entraBearer(credential: TokenCredential, scope: string, now: () => number): (abortSignal?: AbortSignal) => Promise<string> {
  let cached: { token: string; expiresOnTimestamp: number } | null = null;
  return async (abortSignal) => {
    if (!(cached && cached.expiresOnTimestamp - TOKEN_RENEW_MARGIN_MS > now())) {
      try {
        cached = await credential.getToken(scope, abortSignal ? { abortSignal } : {});
      } catch (cause) {
        // A credential failure is not a service outage: report it, do not retry it.
        throw fail('unauthorized', `TokenCredential failed: ${(cause as Error)?.message ?? cause}`, cause);
      }
      if (!cached) throw fail('unauthorized', 'TokenCredential returned no token');
    }
    return cached.token;
  };
}

/**
 * getClientAccessToken with a TokenCredential: the service mints the token (REST generateToken).
 * `path` is the client path (`client/hubs/{hub}` or the mqtt / socketio one). Unlike @azure/web-pubsub
 * 1.2 we also pass expirationTimeInMinutes on, as `minutesToExpire`.
 */
export async function generateClientToken(rest: WebPubSubRestClient, hub: string, path: string, options: GenerateClientTokenOptions): Promise<ClientAccessToken> {
  const { userId, roles: role, groups: group, expirationTimeInMinutes: minutesToExpire, clientProtocol = 'default', abortSignal } = options;
  const url = rest.url(`api/hubs/${encodeURIComponent(hub)}/:generateToken`, { userId, role, minutesToExpire, group, clientType: CLIENT_TYPES[clientProtocol] });
  const { token } = (await (await rest.send('getClientAccessToken', 'POST', url, abortSignal)).json()) as { token?: unknown };
  if (typeof token !== 'string') throw fail('protocol', 'generateToken answered without a token');
  const baseUrl = rest.endpoint.replace(/^http/i, 'ws') + path;
  return { token, baseUrl, url: `${baseUrl}?access_token=${token}` };
}
