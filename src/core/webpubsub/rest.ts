import type { TokenCredential } from '@azure/core-auth';
import { describeValue } from '../errors.js';
import { signJwt } from '../jwt.js';
import { resolveRuntime } from '../runtime.js';
import { isTokenCredential } from '../token-provider.js';
import { webPubSubError } from './service-error.js';
import type { KeyCredentialLike, RestClientOptions, WebPubSubCredential, WebPubSubRestClient } from './rest-types.js';

export type { KeyCredentialLike, QueryValue, RestClientOptions, RetryOptions, WebPubSubCredential, WebPubSubRestClient } from './rest-types.js';

// The data-plane REST transport (docs/protocol/webpubsub.md §3): every request carries a fresh HS256 JWT whose
// `aud` is the full request URL including the query (docs/protocol/webpubsub.md §1), or an Entra token. Plain `fetch`, so
// the same code runs in browsers, Node 18+, Deno, Bun and Workers.

export const WEBPUBSUB_API_VERSION = '2024-12-01';
export const WEBPUBSUB_ENTRA_SCOPE = 'https://webpubsub.azure.com/.default';

const LOOPBACK = /^(localhost|127\.[\d.]+|\[::1\])$/i;
// What runs only once a request failed (retry delays, error decoding) loads then: rest-failure.ts.
type Failures = typeof import('./rest-failure.js');
let failureModule: Promise<Failures> | undefined;
const failures = (): Promise<Failures> => (failureModule ??= import('./rest-failure.js'));

/** An http(s) URL; plain http only to loopback (the emulator) or with allowInsecureConnection. */
function checkedUrl(value: unknown, what: string, allowInsecure?: boolean): URL {
  if (!/^https?:\/\//i.test(value as string)) throw new TypeError(`expected ${what} to be an http(s) URL, got ${describeValue(value)}`);
  const url = new URL(value as string);
  if (url.protocol === 'http:' && !allowInsecure && !LOOPBACK.test(url.hostname)) {
    throw new TypeError(`expected https for ${what} (or allowInsecureConnection: true), got http://${url.host}`);
  }
  return url;
}

export function createRestClient(endpointUrl: string, credential: WebPubSubCredential, options: RestClientOptions = {}): WebPubSubRestClient {
  checkedUrl(endpointUrl, 'endpoint', options.allowInsecureConnection);
  const entra = isTokenCredential(credential);
  if (!entra && !((credential as KeyCredentialLike | undefined)?.key)) {
    throw new TypeError('expected a TokenCredential or an AzureKeyCredential with a non-empty key');
  }
  const proxy = options.reverseProxyEndpoint === undefined ? undefined : checkedUrl(options.reverseProxyEndpoint, 'reverseProxyEndpoint', options.allowInsecureConnection).host;
  const endpoint = endpointUrl.endsWith('/') ? endpointUrl : `${endpointUrl}/`;
  const apiVersion = options.apiVersion ?? WEBPUBSUB_API_VERSION;
  const runtime = resolveRuntime({ ...options.runtime, fetch: options.fetch ?? options.runtime?.fetch, hmac: options.hmac ?? options.runtime?.hmac });
  const { hmac, now, timers } = runtime;
  const { maxRetries = 3, retryDelayInMs = 1000, maxRetryDelayInMs = 64000 } = options.retryOptions ?? {};
  const retry = { retryDelayInMs, maxRetryDelayInMs };
  let entraTokens: Promise<(abortSignal?: AbortSignal) => Promise<string>> | undefined;

  async function bearer(url: string, abortSignal: AbortSignal | undefined): Promise<string> {
    if (!entra) {
      const iat = Math.floor(now() / 1000);
      // Claim order as jsonwebtoken writes it for the official SDK: iat, exp, aud (docs/protocol/webpubsub.md §1).
      return signJwt({ iat, exp: iat + 3600, aud: url }, (credential as KeyCredentialLike).key, { hmac });
    }
    // Entra ID support loads on first use (entra.ts).
    entraTokens ??= import('./entra.js').then((module) => module.entraBearer(credential as TokenCredential, WEBPUBSUB_ENTRA_SCOPE, now));
    try {
      return await (await entraTokens)(abortSignal);
    } catch (cause) {
      // A credential failure is not a service outage: report it, do not retry it.
      throw webPubSubError('unauthorized', `TokenCredential failed: ${(cause as Error)?.message ?? cause}`, cause);
    }
  }

  async function send(operation: string, method: string, url: string, abortSignal?: AbortSignal, body?: BodyInit, contentType?: string): Promise<Response> {
    // Called as a plain function: a stored `window.fetch` throws "Illegal invocation" when called as a method.
    const fetchImpl = runtime.fetch;
    if (typeof fetchImpl !== 'function') throw new TypeError('expected a `fetch` option or global');
    let target = url;
    if (proxy) {
      const parsed = new URL(url);
      parsed.host = proxy;
      target = parsed.href;
    }
    for (let attempt = 0; ; attempt++) {
      if (abortSignal?.aborted) throw webPubSubError('aborted', `${operation} was aborted`, abortSignal.reason);
      const headers = { authorization: `Bearer ${await bearer(url, abortSignal)}`, ...(contentType && { 'content-type': contentType }) };
      let response: Response;
      try {
        response = await fetchImpl(target, { method, headers, body, signal: abortSignal });
      } catch (error) {
        // Network failures are retried; an abort is reported at the top of the loop.
        if (attempt >= maxRetries && !abortSignal?.aborted) throw webPubSubError('unavailable', `${operation} could not reach the service: ${(error as Error)?.message ?? error}`, error);
        const { retryDelay, sleep } = await failures();
        await sleep(timers, retryDelay(attempt, retry, undefined, now()), abortSignal);
        continue;
      }
      const { status } = response;
      if (response.ok || (status === 404 && method === 'HEAD')) return response;
      const { RETRIABLE, describeFailure, retryDelay, sleep } = await failures();
      if (!RETRIABLE.includes(status) || attempt >= maxRetries) {
        const failure = await describeFailure(operation, response);
        throw webPubSubError(failure.code, failure.message, undefined, status, failure.serviceCode);
      }
      await response.body?.cancel().catch(() => undefined);
      await sleep(timers, retryDelay(attempt, retry, response.headers.get('retry-after'), now()), abortSignal);
    }
  }

  return {
    endpoint,
    apiVersion,
    credential,
    hmac,
    now,
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
