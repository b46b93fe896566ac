import { parseServiceBusConnectionString } from '../connection-string.js';
import { resolveRuntime, type RuntimeOption } from '../runtime.js';
import type { HmacSha256, Runtime, Timers } from '../runtime-types.js';
import { parseSasToken } from '../sas-parse.js';
import type { TokenProvider } from '../token-provider.js';
import { globalWebSocket } from '../global-websocket.js';
import { resolveWebSocket, type WebSocketCtor } from '../transport.js';
import { createRelayAudience } from './urls.js';

// Options shared by HybridConnectionListener and HybridConnectionClient, their resolution from a
// connection string or from namespace + path + token provider. The one dial both make is dial.ts,
// loaded on first use, and so is the SAS token provider a connection string's key gets.

export type { Timers };

export interface RelayEntityOptions {
  /** `contoso.servicebus.windows.net`, or `host:port` for a local emulator. */
  namespace: string;
  path: string;
  /** Omit for anonymous senders (entity with RequiresClientAuthorization=false). */
  tokenProvider?: TokenProvider;
  /** Plain ws:// and http:// (a local emulator). Default false. */
  useDevelopmentEmulator?: boolean;
}

export interface RelayRuntimeOptions extends RuntimeOption {
  /** Shorthand for `runtime.WebSocket`. Default `globalThis.WebSocket`; on Node 20 use the node entry. */
  WebSocket?: WebSocketCtor;
  /**
   * Send the token in the ServiceBusAuthorization header instead of `sb-hc-token` in the query.
   * Default: `runtime.webSocketHeaders` (true in the node entry, whose `ws` takes headers; false for
   * the W3C WebSocket, which cannot set them, and a browser fetch with a custom header needs a CORS
   * preflight that carries no token: docs/protocol/relay.md §1.2, §1.5). A constructor passed in the
   * `WebSocket` shorthand that is not the global one keeps its meaning from before the runtime
   * port: it is taken as `ws`-style, header-capable.
   */
  tokenInHeader?: boolean;
  /** Shorthand for `runtime.hmac`. */
  hmac?: HmacSha256;
  /** Entity name when the connection string has no EntityPath (or to override it). */
  path?: string;
  /** Lifetime of tokens minted from a connection string's key (default 3600 s). */
  tokenTtlSeconds?: number;
  /** Shorthand for `runtime.timers`. */
  timers?: Timers;
  /** Shorthand for `runtime.now`: clock in ms. */
  now?: () => number;
}

export interface ResolvedRelayConfig {
  namespace: string;
  path: string;
  secure: boolean;
  audience: string;
  /** The caller's provider, or one made from `keySource` on the first dial (dial.ts). */
  tokenProvider?: TokenProvider;
  /** The key or fixed token of a connection string (checked here, signed with on first use). */
  keySource?: { keyName: string; key: string } | { sharedAccessSignature: string };
  tokenTtlSeconds?: number;
  hmac: HmacSha256;
  WebSocket: WebSocketCtor;
  tokenInHeader: boolean;
  timers: Timers;
  now: () => number;
  fetch: Runtime['fetch'];
}

export function resolveRelayConfig(target: string | RelayEntityOptions, options: RelayRuntimeOptions = {}): ResolvedRelayConfig {
  const given = options.runtime;
  const runtime = resolveRuntime({
    ...given,
    WebSocket: options.WebSocket ?? given?.WebSocket,
    hmac: options.hmac ?? given?.hmac,
    timers: options.timers ?? given?.timers,
    now: options.now ?? given?.now,
  });
  let entity: RelayEntityOptions;
  let keySource: ResolvedRelayConfig['keySource'];
  if (typeof target === 'string') {
    const parsed = parseServiceBusConnectionString(target);
    const path = options.path ?? parsed.entityPath;
    if (!path) throw new TypeError('expected EntityPath in the connection string or the `path` option, got neither');
    // A fixed token is refused up front when malformed; minting waits for the first dial.
    if (!parsed.sharedAccessKey) parseSasToken(parsed.sharedAccessSignature!);
    keySource = parsed.sharedAccessKey
      ? { keyName: parsed.sharedAccessKeyName!, key: parsed.sharedAccessKey }
      : { sharedAccessSignature: parsed.sharedAccessSignature! };
    entity = {
      // Real namespaces are always wss/https on 443; the emulator's port is kept.
      namespace: parsed.port && (parsed.useDevelopmentEmulator || parsed.port !== 443) ? `${parsed.host}:${parsed.port}` : parsed.host,
      path,
      useDevelopmentEmulator: parsed.useDevelopmentEmulator,
    };
  } else if (typeof target === 'object' && target !== null && target.namespace && (options.path ?? target.path)) {
    entity = { ...target, path: options.path ?? target.path };
  } else {
    throw new TypeError('expected a connection string or { namespace, path, tokenProvider }, got neither');
  }
  const WebSocket = resolveWebSocket(runtime.WebSocket);
  const headers = options.WebSocket !== undefined ? options.WebSocket !== globalWebSocket() : runtime.webSocketHeaders;
  return {
    namespace: entity.namespace,
    path: entity.path,
    secure: !entity.useDevelopmentEmulator,
    audience: createRelayAudience(entity.namespace, entity.path),
    ...(entity.tokenProvider ? { tokenProvider: entity.tokenProvider } : {}),
    ...(keySource ? { keySource, tokenTtlSeconds: options.tokenTtlSeconds } : {}),
    hmac: runtime.hmac,
    WebSocket,
    tokenInHeader: options.tokenInHeader ?? headers,
    timers: runtime.timers,
    now: runtime.now,
    fetch: runtime.fetch,
  };
}
