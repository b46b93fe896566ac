import { parseServiceBusConnectionString } from '../connection-string.js';
import type { HmacSha256 } from '../crypto.js';
import { createSasTokenProvider, type AccessToken, type TokenProvider } from '../token-provider.js';
import { resolveWebSocket, type SocketLike, type WebSocketCtor } from '../transport.js';
import { openSocket } from './listener-socket.js';
import { createRelayAudience, createRelayConnectUrl, createRelayListenUrl, type RelayUrlOptions } from './urls.js';

// Options shared by HybridConnectionListener and HybridConnectionClient, their resolution from a
// connection string or from namespace + path + token provider, and the one dial both make.

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RelayEntityOptions {
  /** `contoso.servicebus.windows.net`, or `host:port` for a local emulator. */
  namespace: string;
  path: string;
  /** Omit for anonymous senders (entity with RequiresClientAuthorization=false). */
  tokenProvider?: TokenProvider;
  /** Plain ws:// and http:// (a local emulator). Default false. */
  useDevelopmentEmulator?: boolean;
}

export interface RelayRuntimeOptions {
  /** Default `globalThis.WebSocket`. Pass `ws` (or use the node entry) on Node 20. */
  WebSocket?: WebSocketCtor;
  /**
   * Send the token in the ServiceBusAuthorization header instead of `sb-hc-token` in the query.
   * Default: true when a `WebSocket` constructor other than the global one is passed (it is
   * assumed to take `ws`-style `{ headers }` as third argument), false otherwise — the W3C
   * WebSocket cannot set headers, and a browser fetch with a custom header needs a CORS preflight
   * that carries no token (relay note §1.2, §1.5).
   */
  tokenInHeader?: boolean;
  hmac?: HmacSha256;
  /** Entity name when the connection string has no EntityPath (or to override it). */
  path?: string;
  /** Lifetime of tokens minted from a connection string's key (default 3600 s). */
  tokenTtlSeconds?: number;
  timers?: Timers;
  /** Clock in ms. */
  now?: () => number;
}

export interface ResolvedRelayConfig {
  namespace: string;
  path: string;
  secure: boolean;
  audience: string;
  tokenProvider?: TokenProvider;
  WebSocket: WebSocketCtor;
  tokenInHeader: boolean;
  timers: Timers;
  now: () => number;
}

export function resolveRelayConfig(target: string | RelayEntityOptions, options: RelayRuntimeOptions = {}): ResolvedRelayConfig {
  let entity: RelayEntityOptions;
  if (typeof target === 'string') {
    const parsed = parseServiceBusConnectionString(target);
    const path = options.path ?? parsed.entityPath;
    if (!path) throw new TypeError('expected EntityPath in the connection string or the `path` option, got neither');
    const source = parsed.sharedAccessKey
      ? { keyName: parsed.sharedAccessKeyName!, key: parsed.sharedAccessKey }
      : { sharedAccessSignature: parsed.sharedAccessSignature! };
    entity = {
      // Real namespaces are always wss/https on 443; the emulator's port is kept (brief, DESIGN.md).
      namespace: parsed.port && (parsed.useDevelopmentEmulator || parsed.port !== 443) ? `${parsed.host}:${parsed.port}` : parsed.host,
      path,
      useDevelopmentEmulator: parsed.useDevelopmentEmulator,
      tokenProvider: createSasTokenProvider(source, { hmac: options.hmac, ttlSeconds: options.tokenTtlSeconds, now: options.now }),
    };
  } else if (typeof target === 'object' && target !== null && target.namespace && (options.path ?? target.path)) {
    entity = { ...target, path: options.path ?? target.path };
  } else {
    throw new TypeError('expected a connection string or { namespace, path, tokenProvider }, got neither');
  }
  const WebSocket = resolveWebSocket(options.WebSocket);
  const passedNonGlobal = options.WebSocket !== undefined && options.WebSocket !== (globalThis as { WebSocket?: unknown }).WebSocket;
  return {
    namespace: entity.namespace,
    path: entity.path,
    secure: !entity.useDevelopmentEmulator,
    audience: createRelayAudience(entity.namespace, entity.path),
    ...(entity.tokenProvider ? { tokenProvider: entity.tokenProvider } : {}),
    WebSocket,
    tokenInHeader: options.tokenInHeader ?? passedNonGlobal,
    // The runtime's own setTimeout/clearTimeout, called as methods of globalThis.
    timers: options.timers ?? (globalThis as unknown as Timers),
    now: options.now ?? Date.now,
  };
}

export interface EntityDial {
  /** App-level URL parts: `id`, and for senders `suffix` and `query`. */
  url?: Pick<RelayUrlOptions, 'id' | 'suffix' | 'query'>;
  /** Connect headers (senders with a header-capable constructor). */
  headers?: Record<string, string>;
  protocols?: string[];
  timeoutMs: number;
}

/** A token for the entity, or undefined for anonymous senders (no token provider). */
export async function entityToken(config: ResolvedRelayConfig): Promise<AccessToken | undefined> {
  return config.tokenProvider?.getToken(config.audience);
}

/**
 * Gets a token and dials the entity's `listen` or `connect` URL, the token in the
 * ServiceBusAuthorization header or in `sb-hc-token` (note §1.2, §1.4).
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
