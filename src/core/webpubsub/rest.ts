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

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface RestCall {
  /** For error messages, e.g. "sendToAll". */
  operation: string;
  method: string;
  /** From `rest.url()`: the exact URL that is signed and sent. */
  url: string;
  body?: BodyInit | undefined;
  contentType?: string | undefined;
  /** 404 is an answer, not a failure (the exists checks map 200/404 to true/false). */
  notFoundIsAnswer?: boolean;
  abortSignal?: AbortSignal | undefined;
}

export interface WebPubSubRestClient {
  /** `http(s)://host[:port]/` */
  readonly endpoint: string;
  readonly apiVersion: string;
  readonly credential: WebPubSubCredential;
  readonly hmac: HmacSha256 | undefined;
  /** `path` is relative to the endpoint and already percent-encoded; the result is WHATWG-normalised, as `fetch` sends it. */
  url(path: string, query?: Record<string, QueryValue>): string;
  send(call: RestCall): Promise<Response>;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
// 408, 429 and 5xx except 501/505, as @azure/core-rest-pipeline's default retry policy.
const RETRIABLE = [408, 429, 500, 502, 503, 504];
const TOKEN_RENEW_MARGIN_MS = 120_000;
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

export function isEntraCredential(credential: unknown): credential is TokenCredentialLike {
  return typeof (credential as TokenCredentialLike | undefined)?.getToken === 'function';
}

/** A RealtimeError whose message names the operation and never carries a secret. */
export function restError(code: RealtimeErrorCode, message: string, cause?: unknown, status?: number, serviceCode?: string | null): RealtimeError {
  return new RealtimeError(code, redactSecrets(`Web PubSub ${message}`), { cause, status, serviceCode: serviceCode ?? undefined });
}

/** An http(s) URL; plain http only to loopback (the emulator) or with allowInsecureConnection. */
function checkedUrl(value: unknown, what: string, allowInsecure?: boolean): URL {
  if (!/^https?:\/\//i.test(value as string)) throw new TypeError(`expected ${what} to be an http(s) URL, got ${describeValue(value)}`);
  const url = new URL(value as string);
  if (url.protocol === 'http:' && !allowInsecure && !LOOPBACK.test(url.hostname)) {
    throw new TypeError(`expected https for ${what} (requests carry a bearer token), got http://${url.host}; pass allowInsecureConnection: true to allow it`);
  }
  return url;
}

export function createRestClient(endpointUrl: string, credential: WebPubSubCredential, options: RestClientOptions = {}): WebPubSubRestClient {
  checkedUrl(endpointUrl, 'endpoint', options.allowInsecureConnection);
  const entra = isEntraCredential(credential);
  if (!entra && !((credential as KeyCredentialLike | undefined)?.key)) {
    throw new TypeError('expected an AzureKeyCredential ({ key }) with a non-empty key, or a TokenCredential ({ getToken }), got neither');
  }
  const proxy = options.reverseProxyEndpoint === undefined ? undefined : checkedUrl(options.reverseProxyEndpoint, 'reverseProxyEndpoint', options.allowInsecureConnection).host;
  const endpoint = endpointUrl.endsWith('/') ? endpointUrl : `${endpointUrl}/`;
  const apiVersion = options.apiVersion ?? WEBPUBSUB_API_VERSION;
  const { hmac } = options;
  const { maxRetries = 3, retryDelayInMs = 1000, maxRetryDelayInMs = 64000 } = options.retryOptions ?? {};
  let entraToken: { token: string; expiresOnTimestamp: number } | null = null;

  async function bearer(url: string, abortSignal: AbortSignal | undefined): Promise<string> {
    if (!entra) {
      const iat = Math.floor(Date.now() / 1000);
      // Claim order as jsonwebtoken writes it for the official SDK: iat, exp, aud (note §1).
      return signJwt({ iat, exp: iat + 3600, aud: url }, (credential as KeyCredentialLike).key, { hmac });
    }
    if (!entraToken || entraToken.expiresOnTimestamp - TOKEN_RENEW_MARGIN_MS <= Date.now()) {
      try {
        entraToken = await (credential as TokenCredentialLike).getToken(WEBPUBSUB_ENTRA_SCOPE, abortSignal ? { abortSignal } : {});
      } catch (cause) {
        // A credential failure is not a service outage: report it, do not retry it.
        throw restError('unauthorized', `could not get a token from the TokenCredential: ${(cause as Error)?.message ?? cause}`, cause);
      }
      if (!entraToken) throw restError('unauthorized', 'got no token from the TokenCredential');
    }
    return entraToken.token;
  }

  async function send({ operation, method, url, body, contentType, notFoundIsAnswer, abortSignal }: RestCall): Promise<Response> {
    // Called as a plain function: a stored `window.fetch` throws "Illegal invocation" when called as a method.
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new TypeError('expected a fetch implementation, got none: pass the `fetch` option');
    let target = url;
    if (proxy) {
      const parsed = new URL(url);
      parsed.host = proxy;
      target = parsed.href;
    }
    for (let attempt = 0; ; attempt++) {
      if (abortSignal?.aborted) throw restError('aborted', `${operation} was aborted`, abortSignal.reason);
      const headers: Record<string, string> = { authorization: `Bearer ${await bearer(url, abortSignal)}` };
      if (contentType) headers['content-type'] = contentType;
      // core-rest-pipeline's delay: min(max, initial * 2^attempt), the upper half of it jittered.
      let delay = Math.min(maxRetryDelayInMs, retryDelayInMs * 2 ** attempt) * (0.5 + Math.random() / 2);
      try {
        const response = await fetchImpl(target, { method, headers, body, signal: abortSignal });
        const { status } = response;
        if ((status > 199 && status < 300) || (status === 404 && notFoundIsAnswer)) return response;
        if (!RETRIABLE.includes(status) || attempt >= maxRetries) throw await responseError(operation, response);
        await response.body?.cancel().catch(() => undefined);
        delay = retryAfterMs(response.headers.get('retry-after')) ?? delay;
      } catch (error) {
        if (error instanceof RealtimeError) throw error;
        if (abortSignal?.aborted) throw restError('aborted', `${operation} was aborted`, error);
        if (attempt >= maxRetries) throw restError('unavailable', `${operation} could not reach the service: ${(error as Error)?.message ?? error}`, error);
      }
      await sleep(Math.min(delay, maxRetryDelayInMs), abortSignal);
    }
  }

  return {
    endpoint,
    apiVersion,
    credential,
    hmac,
    send,
    url(path, query = {}) {
      let search = `api-version=${encodeURIComponent(apiVersion)}`;
      for (const [name, value] of Object.entries(query)) {
        for (const item of value === undefined ? [] : [value].flat()) search += `&${name}=${encodeURIComponent(item)}`;
      }
      return new URL(`${endpoint}${path}?${search}`).href;
    },
  };
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const ms = Number.isFinite(+header) ? +header * 1000 : Date.parse(header) - Date.now();
  return Number.isNaN(ms) ? undefined : Math.max(0, ms);
}

/** Resolves after `ms`, or early on abort: the caller's loop then reports `aborted`. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
    if (signal?.aborted) done();
  });
}

/** Typed error from a non-success answer: `status`, and `serviceCode` from `x-ms-error-code` (or the body's `code`). */
async function responseError(operation: string, response: Response): Promise<RealtimeError> {
  const text = (await response.text().catch(() => '')).slice(0, 2000);
  let detail = null as { code?: unknown; message?: unknown } | null;
  try {
    detail = JSON.parse(text) as typeof detail;
  } catch {
    // not JSON: keep the text
  }
  const { status } = response;
  const serviceCode = response.headers.get('x-ms-error-code') ?? (typeof detail?.code === 'string' ? detail.code : null);
  const reason = typeof detail?.message === 'string' ? detail.message : text || response.statusText;
  return restError(STATUS_CODES[status] ?? 'service', `${operation} failed with status ${status}${serviceCode ? ` (${serviceCode})` : ''}${reason ? `: ${reason}` : ''}`, undefined, status, serviceCode);
}
