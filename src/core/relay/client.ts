import type { SocketLike } from '../transport.js';
import { resolveRelayConfig, type RelayEntityOptions, type RelayRuntimeOptions, type ResolvedRelayConfig } from './entity-config.js';
import { createRelayHttpUrl } from './urls.js';

// The sender (docs/protocol/relay.md §1.4, §1.5): WebSocket connections like .NET CreateConnectionAsync, and
// a fetch for HTTP mode, which none of the official clients offer (docs/protocol/relay.md §3.4). The
// dial and the fetch load on first use (dial.ts, client-fetch.ts): a page pays for them when it sends.

export interface HybridConnectionClientOptions extends RelayRuntimeOptions {
  /** fetch implementation for HTTP mode (default `runtime.fetch`, else `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** Handshake timeout for createConnection (default 70 s, .NET's). */
  connectTimeoutMs?: number;
}

export interface CreateConnectionOptions {
  /** Forwarded to the listener as connect headers; needs a header-capable WebSocket (Node `ws`). */
  headers?: Record<string, string>;
  protocols?: string | string[];
  /** App path after the entity name; reaches the listener's accept request url. */
  suffix?: string;
  query?: string | Record<string, string>;
  /** `sb-hc-id` tracking id. */
  id?: string;
}

export class HybridConnectionClient {
  readonly #config: ResolvedRelayConfig;
  readonly #options: HybridConnectionClientOptions;

  /** From a connection string (`path` option when it has no EntityPath), or namespace + path + token provider. */
  constructor(target: string | RelayEntityOptions, options: HybridConnectionClientOptions = {}) {
    this.#config = resolveRelayConfig(target, options);
    this.#options = options;
  }

  /** `https://{namespace}/{path}`: the HTTP-mode base URL (no token). */
  get httpUrl(): string {
    const { namespace, path, secure } = this.#config;
    return createRelayHttpUrl({ namespace, path, secure });
  }

  /** Opens a relayed WebSocket to a listener; rejects with RealtimeError (404 no entity, 401/403, listener rejected…). */
  async createConnection(options: CreateConnectionOptions = {}): Promise<SocketLike> {
    const { headers, protocols, suffix, query, id } = options;
    if (headers && Object.keys(headers).length > 0 && !this.#config.tokenInHeader) {
      throw new TypeError('expected a WebSocket constructor that takes headers (Node `ws`) for connect headers, got the W3C WebSocket');
    }
    const { dialEntity } = await import('./listener-channel.js');
    const { socket } = await dialEntity(this.#config, 'connect', {
      url: { suffix, query, id },
      ...(headers ? { headers } : {}),
      ...(protocols ? { protocols: typeof protocols === 'string' ? [protocols] : protocols } : {}),
      timeoutMs: this.#options.connectTimeoutMs ?? 70_000,
    });
    return socket;
  }

  /**
   * fetch through the relay (HTTP mode). `input` is resolved against `https://{ns}/{path}/`, so
   * `'items?x=1'` or `'/items'` land on the listener as `/{path}/items`; a full URL is used as is.
   */
  async fetch(input: string | URL | Request = '', init?: RequestInit): Promise<Response> {
    const { relayFetch } = await import('./listener-channel.js');
    return relayFetch(this.#config, this.#options.fetch, this.httpUrl, input, init);
  }
}
