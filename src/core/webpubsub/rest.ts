import { exponentialDelay } from '../backoff.js';
import type { HmacSha256 } from '../crypto.js';
import { RealtimeError, describeValue, redactSecrets, type RealtimeErrorCode } from '../errors.js';
import { signJwt } from '../jwt.js';

// The data-plane REST transport (webpubsub note §3): every request carries a fresh HS256 JWT whose
// `aud` is the full request URL including the query (note §1), or an Entra token. Plain `fetch`, so
// the same code runs in browsers, Node 18+, Deno, Bun and Workers.

export const WEBPUBSUB_API_VERSION = '2024-12-01';
export const WEBPUBSUB_ENTRA_SCOPE = 'https://webpubsub.azure.com/.default';

/** `AzureKeyCredential` from @azure/core-auth fits; `key` is read per request so `update()` works. */
export interface KeyCredentialLike {
  readonly key: string;
}

/** `TokenCredential` from @azure/core-auth fits (Entra ID). */
export interface TokenCredentialLike {
  getToken(scopes: string | string[], options?: { abortSignal?: AbortSignal }): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

export type WebPubSubCredential = KeyCredentialLike | TokenCredentialLike;

/** Same names as @azure/core-rest-pipeline's retry options, so options carry over unchanged. */
export interface RetryOptions {
  /** Default 3. */
  maxRetries?: number;
  /** Default 1000. */
  retryDelayInMs?: number;
  /** Default 64000. */
  maxRetryDelayInMs?: number;
}

export interface RestClientOptions {
  /** Default: `globalThis.fetch`, looked up per call. */
  fetch?: typeof fetch;
  /** Signs the REST JWT. Default: `getDefaultHmac()` (WebCrypto, else @noble/hashes). */
  hmac?: HmacSha256;
  retryOptions?: RetryOptions;
  /** Send requests to this host instead (e.g. API Management); the token still names the service URL. */
  reverseProxyEndpoint?: string;
  apiVersion?: string;
  /**
   * Allow plain `http://` to a host other than loopback. Off by default, as in @azure/web-pubsub:
   * every request carries a bearer token. Loopback (the emulator) is always allowed.
   */
  allowInsecureConnection?: boolean;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

function assertSecure(url: string, what: string, allowInsecure: boolean | undefined): void {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:' && !allowInsecure && !LOOPBACK.test(parsed.hostname)) {
    throw new TypeError(`expected an https ${what} (requests carry a bearer token), got http://${parsed.host}; pass allowInsecureConnection: true to allow it`);
  }
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface RestRequest {
  /** For error messages, e.g. "sendToAll". */
  operation: string;
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** Already percent-encoded, starting with `/api/`. */
  path: string;
  query?: Record<string, QueryValue>;
  body?: string | Uint8Array | ArrayBuffer | Blob;
  contentType?: string;
  /** 404 is an answer, not a failure (the exists checks map 200/404 to true/false). */
  notFoundIsAnswer?: boolean;
  abortSignal?: AbortSignal;
}

// 408, 429 and 5xx except 501/505, as @azure/core-rest-pipeline's default retry policy.
const RETRIABLE = new Set([408, 429, 500, 502, 503, 504]);
const TOKEN_RENEW_MARGIN_MS = 2 * 60 * 1000;

export function isEntraCredential(credential: unknown): credential is TokenCredentialLike {
  return typeof credential === 'object' && credential !== null && typeof (credential as TokenCredentialLike).getToken === 'function';
}

export function encodePathSegment(value: string, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`expected ${what} to be a non-empty string, got ${describeValue(value)}`);
  return encodeURIComponent(value);
}

export class WebPubSubRestClient {
  readonly endpoint: string;
  readonly apiVersion: string;
  readonly #credential: WebPubSubCredential;
  readonly #options: RestClientOptions;
  #entraToken?: { token: string; expiresOnTimestamp: number };

  constructor(endpoint: string, credential: WebPubSubCredential, options: RestClientOptions = {}) {
    if (!/^https?:\/\//i.test(endpoint)) throw new TypeError(`expected endpoint to be an http(s) URL, got ${describeValue(endpoint)}`);
    const key = (credential as KeyCredentialLike | undefined)?.key;
    if (!isEntraCredential(credential) && !(typeof key === 'string' && key.length > 0)) {
      throw new TypeError('expected an AzureKeyCredential ({ key }) with a non-empty key, or a TokenCredential ({ getToken }), got neither');
    }
    assertSecure(endpoint, 'endpoint', options.allowInsecureConnection);
    this.endpoint = endpoint.endsWith('/') ? endpoint : `${endpoint}/`;
    this.apiVersion = options.apiVersion ?? WEBPUBSUB_API_VERSION;
    this.#credential = credential;
    this.#options = options;
    if (options.reverseProxyEndpoint !== undefined && !/^https?:\/\//i.test(options.reverseProxyEndpoint)) {
      throw new TypeError(`expected reverseProxyEndpoint to be an http(s) URL, got ${describeValue(options.reverseProxyEndpoint)}`);
    }
    if (options.reverseProxyEndpoint !== undefined) assertSecure(options.reverseProxyEndpoint, 'reverseProxyEndpoint', options.allowInsecureConnection);
  }

  get hmac(): HmacSha256 | undefined {
    return this.#options.hmac;
  }

  get credential(): WebPubSubCredential {
    return this.#credential;
  }

  /** The exact URL that is signed and sent: the WHATWG-normalised form, as `fetch` would send it. */
  buildUrl(path: string, query: Record<string, QueryValue> = {}): string {
    const parts = [`api-version=${encodeURIComponent(this.apiVersion)}`];
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined) continue;
      const values = Array.isArray(value) ? value : [value];
      for (const item of values) parts.push(`${name}=${encodeURIComponent(String(item))}`);
    }
    return new URL(`${this.endpoint}${path.replace(/^\//, '')}?${parts.join('&')}`).href;
  }

  async send(request: RestRequest): Promise<Response> {
    const url = this.buildUrl(request.path, request.query);
    return this.sendUrl(url, request);
  }

  /** For paging: `url` is a nextLink already resolved against the endpoint. */
  async sendUrl(url: string, request: RestRequest): Promise<Response> {
    const retry = this.#options.retryOptions ?? {};
    const maxRetries = retry.maxRetries ?? 3;
    if (typeof (this.#options.fetch ?? globalThis.fetch) !== 'function') throw new TypeError('expected a fetch implementation, got none: pass the `fetch` option');
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(request.abortSignal, request.operation);
      let response: Response;
      try {
        response = await this.#fetchOnce(url, request);
      } catch (error) {
        if (request.abortSignal?.aborted) throw abortedError(request.operation, error);
        if (error instanceof RealtimeError || attempt >= maxRetries) throw networkError(request.operation, error);
        await sleep(exponentialDelay(attempt, retry.retryDelayInMs ?? 1000, retry.maxRetryDelayInMs ?? 64000), request.abortSignal, request.operation);
        continue;
      }
      if ((response.status >= 200 && response.status < 300) || (response.status === 404 && request.notFoundIsAnswer)) return response;
      if (!RETRIABLE.has(response.status) || attempt >= maxRetries) throw await responseError(request.operation, response);
      await response.body?.cancel().catch(() => undefined);
      const delay = retryAfterMs(response) ?? exponentialDelay(attempt, retry.retryDelayInMs ?? 1000, retry.maxRetryDelayInMs ?? 64000);
      await sleep(Math.min(delay, retry.maxRetryDelayInMs ?? 64000), request.abortSignal, request.operation);
    }
  }

  async #fetchOnce(url: string, request: RestRequest): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.#bearer(url, request.abortSignal)}` };
    if (request.contentType) headers['content-type'] = request.contentType;
    const target = this.#options.reverseProxyEndpoint ? withHost(url, this.#options.reverseProxyEndpoint) : url;
    // Called as a plain function: a stored `window.fetch` throws "Illegal invocation" when called as a method.
    const fetchImpl = this.#options.fetch ?? globalThis.fetch;
    const init: RequestInit = { method: request.method, headers };
    if (request.body !== undefined) init.body = request.body as BodyInit;
    if (request.abortSignal) init.signal = request.abortSignal;
    return fetchImpl(target, init);
  }

  async #bearer(url: string, abortSignal: AbortSignal | undefined): Promise<string> {
    const credential = this.#credential;
    if (!isEntraCredential(credential)) {
      const iat = Math.floor(Date.now() / 1000);
      // Claim order as jsonwebtoken writes it for the official SDK: iat, exp, aud (note §1).
      return signJwt({ iat, exp: iat + 3600, aud: url }, credential.key, { hmac: this.#options.hmac });
    }
    const cached = this.#entraToken;
    if (cached && cached.expiresOnTimestamp - TOKEN_RENEW_MARGIN_MS > Date.now()) return cached.token;
    let token: { token: string; expiresOnTimestamp: number } | null;
    try {
      token = await credential.getToken(WEBPUBSUB_ENTRA_SCOPE, abortSignal ? { abortSignal } : {});
    } catch (cause) {
      // A credential failure is not a service outage: report it, do not retry it.
      throw new RealtimeError('unauthorized', redactSecrets(`the TokenCredential failed for ${WEBPUBSUB_ENTRA_SCOPE}: ${(cause as Error)?.message ?? String(cause)}`), { cause });
    }
    if (!token) throw new RealtimeError('unauthorized', `the TokenCredential returned no token for ${WEBPUBSUB_ENTRA_SCOPE}`);
    this.#entraToken = token;
    return token.token;
  }
}

function withHost(url: string, proxy: string): string {
  const parsed = new URL(url);
  parsed.host = new URL(proxy).host;
  return parsed.href;
}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const STATUS_CODES: Record<number, RealtimeErrorCode> = {
  400: 'rejected',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  408: 'timeout',
  413: 'too_large',
  429: 'unavailable',
  503: 'unavailable',
  504: 'timeout',
};

/** Typed error from a non-success answer: `status`, and `serviceCode` from `x-ms-error-code` (or the body's `code`). */
export async function responseError(operation: string, response: Response): Promise<RealtimeError> {
  let text = '';
  try {
    text = (await response.text()).slice(0, 2000);
  } catch {
    // a body that cannot be read still yields the status
  }
  let detail: { code?: unknown; message?: unknown } = {};
  try {
    detail = JSON.parse(text) as typeof detail;
  } catch {
    // not JSON: keep the text
  }
  const serviceCode = response.headers.get('x-ms-error-code') ?? (typeof detail.code === 'string' ? detail.code : undefined);
  const reason = typeof detail.message === 'string' ? detail.message : text || response.statusText;
  const message = redactSecrets(`Web PubSub ${operation} failed with status ${response.status}${serviceCode ? ` (${serviceCode})` : ''}${reason ? `: ${reason}` : ''}`);
  const options = serviceCode === undefined ? { status: response.status } : { status: response.status, serviceCode };
  return new RealtimeError(STATUS_CODES[response.status] ?? 'service', message, options);
}

function networkError(operation: string, error: unknown): RealtimeError {
  if (error instanceof RealtimeError) return error;
  return new RealtimeError('unavailable', redactSecrets(`Web PubSub ${operation} could not reach the service: ${(error as Error)?.message ?? String(error)}`), { cause: error });
}

function abortedError(operation: string, cause?: unknown): RealtimeError {
  return new RealtimeError('aborted', `Web PubSub ${operation} was aborted`, cause === undefined ? {} : { cause });
}

function throwIfAborted(signal: AbortSignal | undefined, operation: string): void {
  if (signal?.aborted) throw abortedError(operation, signal.reason);
}

function sleep(ms: number, signal: AbortSignal | undefined, operation: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(operation, signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(operation, signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export type JSONTypes = string | number | boolean | object;

/** A body the official SDK sends as application/octet-stream: ArrayBuffer, typed-array views and Blobs. */
export function isBinaryBody(value: unknown): value is ArrayBuffer | ArrayBufferView | Blob {
  return (
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    (typeof Blob !== 'undefined' && value instanceof Blob) ||
    Object.prototype.toString.call(value) === '[object ArrayBuffer]'
  );
}

/** Content type as @azure/web-pubsub picks it (note §3 "Send bodies"): text when asked, bytes as octet-stream, else JSON. */
export function messageBody(message: unknown, contentType: string | undefined): { body: string | Uint8Array | ArrayBuffer | Blob; contentType: string } {
  if (contentType === 'text/plain') {
    if (typeof message !== 'string') throw new TypeError(`expected a string message with contentType text/plain, got ${describeValue(message)}`);
    return { body: message, contentType: 'text/plain' };
  }
  if (contentType !== undefined) throw new TypeError(`expected contentType "text/plain" or none, got ${describeValue(contentType)}`);
  if (isBinaryBody(message)) {
    const body = ArrayBuffer.isView(message) ? new Uint8Array(message.buffer, message.byteOffset, message.byteLength) : message;
    return { body, contentType: 'application/octet-stream' };
  }
  const json = JSON.stringify(message);
  if (json === undefined) throw new TypeError(`expected a JSON-serialisable message, got ${describeValue(message)}`);
  return { body: json, contentType: 'application/json' };
}
