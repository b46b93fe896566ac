import { RealtimeError, describeValue } from '../errors.js';
import type { SocketLike } from '../transport.js';
import { dialEntity, entityToken, resolveRelayConfig, type RelayEntityOptions, type RelayRuntimeOptions, type ResolvedRelayConfig } from './entity-config.js';
import { createRelayHttpUrl } from './urls.js';

// The sender (docs/protocol/relay.md §1.4, §1.5): WebSocket connections like .NET CreateConnectionAsync, and
// a fetch for HTTP mode, which none of the official clients offer (docs/protocol/relay.md §3.4).

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
    const fetchImpl = this.#options.fetch ?? this.#config.fetch;
    if (typeof fetchImpl !== 'function') throw new TypeError(`expected a fetch function, got ${describeValue(fetchImpl)}`);
    const raw = input instanceof Request ? input.url : String(input);
    const url = new URL(/^[a-z][a-z0-9+.-]*:/i.test(raw) ? raw : raw.replace(/^\/+/, ''), `${this.httpUrl}/`);
    if (raw === '' || raw === '/') url.pathname = url.pathname.replace(/\/$/, '');
    const token = (await entityToken(this.#config))?.token;
    const request = new Request(url, input instanceof Request ? new Request(input, init) : init);
    const headers = new Headers(request.headers);
    if (token && this.#config.tokenInHeader) headers.set('ServiceBusAuthorization', token);
    else if (token) url.searchParams.set('sb-hc-token', token);
    try {
      return await fetchImpl(url, { ...(await requestInit(request)), headers });
    } catch (cause) {
      throw new RealtimeError('unavailable', `relay HTTP request to ${url.origin}${url.pathname} failed`, { cause });
    }
  }
}

// The body is buffered: Chromium streams request bodies only over HTTP/2, and the relay's own
// limit is about the whole body anyway (docs/protocol/relay.md §1.5).
async function requestInit(request: Request): Promise<RequestInit> {
  const init: RequestInit = { method: request.method, redirect: request.redirect, signal: request.signal };
  if (request.body) init.body = await request.arrayBuffer();
  return init;
}
