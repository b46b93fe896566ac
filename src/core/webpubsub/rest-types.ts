import type { TokenCredential } from '@azure/core-auth';
import type { RuntimeOption } from '../runtime.js';
import type { HmacSha256 } from '../runtime-types.js';

// The REST transport's types, apart from its code (rest.ts), so the modules it loads on demand
// (entra.ts, paging.ts) and the operations table can name them without importing it.

/** `AzureKeyCredential` from @azure/core-auth fits; `key` is read per request so `update()` works. */
export interface KeyCredentialLike {
  readonly key: string;
}

export type WebPubSubCredential = KeyCredentialLike | TokenCredential;

/** Same names as @azure/core-rest-pipeline's retry options, so options carry over unchanged. */
export interface RetryOptions {
  /** Default 3. */
  maxRetries?: number;
  /** Default 1000. */
  retryDelayInMs?: number;
  /** Default 64000. */
  maxRetryDelayInMs?: number;
}

export interface RestClientOptions extends RuntimeOption {
  /** Shorthand for `runtime.fetch`. Default: `globalThis.fetch`, looked up per call. */
  fetch?: typeof fetch;
  /** Shorthand for `runtime.hmac`: signs the REST JWT. Default: WebCrypto, else @noble/hashes. */
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

export interface WebPubSubRestClient {
  /** `http(s)://host[:port]/` */
  readonly endpoint: string;
  readonly apiVersion: string;
  readonly credential: WebPubSubCredential;
  readonly hmac: HmacSha256;
  /** The runtime's clock (ms), for token lifetimes. */
  now(): number;
  /** `path` is relative to the endpoint and already percent-encoded; the result is WHATWG-normalised, as `fetch` sends it. */
  url(path: string, query?: Record<string, QueryValue>): string;
  /** Retries as core-rest-pipeline does. A HEAD's 404 is an answer (the exists checks), any other non-2xx rejects. */
  send(operation: string, method: string, url: string, abortSignal?: AbortSignal, body?: BodyInit, contentType?: string): Promise<Response>;
}
