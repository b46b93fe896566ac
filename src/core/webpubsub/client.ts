import { WebPubSubClient, type WebPubSubClientOptions } from '@azure/web-pubsub-client';
import { describeValue } from '../errors.js';
import type { ClientAccessToken } from './client-token.js';
import { negotiateClientAccessUrl } from './negotiate.js';

// Builds an official @azure/web-pubsub-client from a negotiate URL or a token provider. The package
// picks its WebSocket by export condition (note §6): `browser` → the global WebSocket (browsers,
// bundlers targeting workers), `import` → `ws` (Node). Importing it by name keeps that choice with
// the bundler instead of sniffing the runtime here.

export type ClientAccessUrlProvider = () => Promise<string | { url: string } | ClientAccessToken>;

export type WebPubSubClientSource =
  /** A client access URL `wss://…?access_token=…` (no refresh: the token is checked only at connect). */
  | string
  /** An endpoint answering `{ "url": … }` (createNegotiateHandler); fetched again on each fresh connect. */
  | { negotiateUrl: string | URL; requestInit?: RequestInit; fetch?: typeof fetch }
  /** Anything that returns a client access URL, e.g. `() => serviceClient.getClientAccessToken({ userId })`. */
  | { getClientAccessUrl: ClientAccessUrlProvider };

/** The URL source as the official client's credential: re-run on every non-recovery reconnect (note §6). */
export function clientAccessUrlProvider(source: WebPubSubClientSource): () => Promise<string> {
  if (typeof source === 'string') {
    if (!/^wss?:\/\//i.test(source)) throw new TypeError(`expected a ws(s):// client access URL, got ${describeValue(source)}`);
    return async () => source;
  }
  if (source && 'negotiateUrl' in source) {
    const { negotiateUrl, requestInit, fetch } = source;
    return () => negotiateClientAccessUrl(negotiateUrl, fetch ? { ...requestInit, fetch } : { ...requestInit });
  }
  if (source && typeof (source as { getClientAccessUrl?: unknown }).getClientAccessUrl === 'function') {
    const provider = (source as { getClientAccessUrl: ClientAccessUrlProvider }).getClientAccessUrl;
    return async () => {
      const value = await provider();
      const url = typeof value === 'string' ? value : value?.url;
      if (typeof url !== 'string' || !/^wss?:\/\//i.test(url)) throw new TypeError(`expected getClientAccessUrl to give a ws(s):// URL, got ${describeValue(url)}`);
      return url;
    };
  }
  throw new TypeError('expected a client access URL, { negotiateUrl } or { getClientAccessUrl }');
}

export function createWebPubSubClient(source: WebPubSubClientSource, options?: WebPubSubClientOptions): WebPubSubClient {
  const getUrl = clientAccessUrlProvider(source);
  return new WebPubSubClient({ getClientAccessUrl: () => getUrl() }, options);
}

export type { WebPubSubClient, WebPubSubClientOptions };
