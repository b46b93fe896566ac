import { RealtimeError, type AccessToken, type TokenProvider } from 'azure-realtime';
import type { DevConfig } from 'azure-realtime/vite';

// The page's view of the dev server's /api, which azureRealtime({ emulator }) serves (vite.config.ts).
// Nothing here holds a key: Web PubSub URLs come from /api/negotiate, Relay SAS tokens from
// /api/relay-token, the Event Hubs hub's SAS token from /api/eventhubs-token.

// What GET /api/config answers: where each emulator is, no keys (null for one not started).
export type DemoConfig = DevConfig;

export async function fetchDemoConfig(): Promise<DemoConfig> {
  const response = await fetch('/api/config');
  if (!response.ok) throw new RealtimeError('unavailable', `/api/config answered ${response.status}: ${await response.text()}`, { status: response.status });
  return (await response.json()) as DemoConfig;
}

export function negotiateUrl(userId: string): string {
  return `/api/negotiate?user=${encodeURIComponent(userId)}`;
}

// Renew a little before expiry so a token never dies in flight.
const RENEW_BEFORE_SECONDS = 30;

/**
 * A TokenProvider for one Relay entity, backed by the server's token endpoint: it caches the
 * token and asks again near expiry (the listener calls it again for renewToken).
 */
export function serverRelayTokenProvider(path: string): TokenProvider {
  return serverTokenProvider(`/api/relay-token?path=${encodeURIComponent(path)}`);
}

/** The same over the Event Hubs endpoint: one SAS for the hub, which covers its partitions and $management. */
export function serverEventHubsTokenProvider(): TokenProvider {
  return serverTokenProvider('/api/eventhubs-token');
}

function serverTokenProvider(endpoint: string): TokenProvider {
  let cached: AccessToken | undefined;
  let pending: Promise<AccessToken> | undefined;
  const request = async (): Promise<AccessToken> => {
    const response = await fetch(endpoint, { cache: 'no-store' });
    if (!response.ok) {
      const code = response.status === 401 ? 'unauthorized' : response.status === 403 ? 'forbidden' : 'unavailable';
      throw new RealtimeError(code, `token endpoint answered ${response.status}`, { status: response.status });
    }
    const body = (await response.json()) as Partial<AccessToken>;
    if (typeof body.token !== 'string' || typeof body.expiresAt !== 'number') throw new RealtimeError('protocol', 'expected { token, expiresAt } from the token endpoint');
    return { token: body.token, expiresAt: body.expiresAt };
  };
  return {
    async getToken() {
      if (cached && cached.expiresAt - RENEW_BEFORE_SECONDS > Date.now() / 1000) return cached;
      pending ??= request().finally(() => (pending = undefined));
      return (cached = await pending);
    },
  };
}
