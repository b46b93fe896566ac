import { createSasTokenProvider } from '../sas-token-provider.js';
import type { AccessToken, TokenProvider } from '../token-provider.js';
import type { SocketLike } from '../transport.js';
import type { ResolvedRelayConfig } from './entity-config.js';
import { openSocket } from './sockets.js';
import { createRelayConnectUrl, createRelayListenUrl, type RelayUrlOptions } from './urls.js';

// The one dial the listener and the client make. Loaded on first use (listener open(), client
// createConnection/fetch), with the token minting and socket code under it.

export interface EntityDial {
  /** App-level URL parts: `id`, and for senders `suffix` and `query`. */
  url?: Pick<RelayUrlOptions, 'id' | 'suffix' | 'query'>;
  /** Connect headers (senders with a header-capable constructor). */
  headers?: Record<string, string>;
  protocols?: string[];
  timeoutMs: number;
}

/** The entity's token provider: the caller's, or one over the connection string's key, made once. */
export function entityTokenProvider(config: ResolvedRelayConfig): TokenProvider | undefined {
  const { keySource } = config;
  if (!config.tokenProvider && keySource) {
    config.tokenProvider = createSasTokenProvider(keySource, { hmac: config.hmac, ttlSeconds: config.tokenTtlSeconds, now: config.now });
  }
  return config.tokenProvider;
}

/** A token for the entity, or undefined for anonymous senders (no token provider). */
export async function entityToken(config: ResolvedRelayConfig): Promise<AccessToken | undefined> {
  return entityTokenProvider(config)?.getToken(config.audience);
}

/**
 * Gets a token and dials the entity's `listen` or `connect` URL, the token in the
 * ServiceBusAuthorization header or in `sb-hc-token` (docs/protocol/relay.md §1.2, §1.4).
 */
export async function dialEntity(config: ResolvedRelayConfig, action: 'listen' | 'connect', dial: EntityDial): Promise<{ socket: SocketLike; token?: AccessToken }> {
  const { namespace, path, secure, tokenInHeader } = config;
  const token = await entityToken(config);
  const headers = { ...dial.headers, ...(token && tokenInHeader ? { ServiceBusAuthorization: token.token } : {}) };
  const build = action === 'listen' ? createRelayListenUrl : createRelayConnectUrl;
  const url = build({ namespace, path, secure, ...dial.url, ...(token && !tokenInHeader ? { token: token.token } : {}) });
  const socket = await openSocket(config.WebSocket, url, {
    ...(dial.protocols ? { protocols: dial.protocols } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    timeoutMs: dial.timeoutMs,
    timers: config.timers,
  });
  return token ? { socket, token } : { socket };
}
