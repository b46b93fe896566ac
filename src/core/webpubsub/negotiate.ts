import { RealtimeError, describeValue, isRealtimeError } from '../errors.js';
import { resolveRuntime, type RuntimeOption } from '../runtime.js';
import type { GenerateClientTokenOptions } from './service-types.js';
import type { ClientAccessToken } from './client-token.js';
import type { FetchHandler } from './event-handler.js';

// The negotiate endpoint of the Web PubSub samples as a fetch handler: the app authenticates the
// request, the handler mints a client access URL for that user and answers `{ "url": … }`. The
// access key stays on the server; browsers only ever see a short-lived token (docs/protocol/webpubsub.md §6: shipping
// the key to a browser is the security hole people ask about).

export interface NegotiateOptions {
  /** Anything with getClientAccessToken: our WebPubSubServiceClient or @azure/web-pubsub's. */
  serviceClient: { getClientAccessToken(options?: GenerateClientTokenOptions): Promise<ClientAccessToken> };
  /**
   * Who is asking: token options (userId, roles, groups, expirationTimeInMinutes) for an allowed
   * request, or null/undefined to answer 401. Throw a RealtimeError with a 4xx status to answer that.
   */
  authenticate: (request: Request) => GenerateClientTokenOptions | null | undefined | Promise<GenerateClientTokenOptions | null | undefined>;
  /** Extra response headers, e.g. CORS for a browser on another origin. */
  headers?: Record<string, string>;
}

export interface NegotiateResponseBody {
  url: string;
}

export function createNegotiateHandler(options: NegotiateOptions): FetchHandler {
  if (typeof options?.serviceClient?.getClientAccessToken !== 'function') {
    throw new TypeError(`expected serviceClient with getClientAccessToken, got ${describeValue(options?.serviceClient)}`);
  }
  if (typeof options.authenticate !== 'function') throw new TypeError(`expected an authenticate callback, got ${describeValue(options.authenticate)}`);
  // A token in a cached response would outlive its user's session.
  const headers = { 'cache-control': 'no-store', ...options.headers };
  const error = (status: number, message: string) => Response.json({ error: message }, { status, headers });

  return async (request) => {
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers });
    if (request.method !== 'GET' && request.method !== 'POST') return error(405, 'expected GET or POST');
    let identity: GenerateClientTokenOptions | null | undefined;
    try {
      identity = await options.authenticate(request);
    } catch (failure) {
      const status = isRealtimeError(failure) && failure.status !== undefined && failure.status >= 400 && failure.status < 500 ? failure.status : 500;
      return error(status, status === 500 ? 'authentication failed' : (failure as Error).message);
    }
    if (!identity) return error(401, 'not authenticated');
    try {
      const { url } = await options.serviceClient.getClientAccessToken(identity);
      const body: NegotiateResponseBody = { url };
      return Response.json(body, { status: 200, headers });
    } catch (failure) {
      // The service client's errors are already redacted; the status says whether to retry.
      const status = isRealtimeError(failure) && failure.code === 'unavailable' ? 503 : 500;
      return error(status, 'could not mint a client access token');
    }
  };
}

/** Client side: GET the negotiate URL and return the client access URL from `{ url }`. */
export async function negotiateClientAccessUrl(negotiateUrl: string | URL, init: RequestInit & RuntimeOption & { fetch?: typeof fetch } = {}): Promise<string> {
  const { fetch: fetchOption, runtime, ...requestInit } = init;
  // Called as a plain function: a stored `window.fetch` throws "Illegal invocation" when called as a method.
  const fetchImpl = fetchOption ?? resolveRuntime(runtime).fetch;
  const response = await fetchImpl(String(negotiateUrl), requestInit);
  if (!response.ok) {
    throw new RealtimeError(response.status === 401 ? 'unauthorized' : response.status === 403 ? 'forbidden' : 'service', `negotiate answered ${response.status}`, { status: response.status });
  }
  const body = (await response.json().catch(() => ({}))) as { url?: unknown };
  if (typeof body.url !== 'string' || !/^wss?:\/\//i.test(body.url)) {
    throw new RealtimeError('protocol', 'expected the negotiate response to be JSON { "url": "ws(s)://…" }');
  }
  return body.url;
}

export type ClientAccessUrlProvider = () => Promise<string | { url: string } | ClientAccessToken>;

export type WebPubSubClientSource =
  /** A client access URL `wss://…?access_token=…` (no refresh: the token is checked only at connect). */
  | string
  /** An endpoint answering `{ "url": … }` (createNegotiateHandler); fetched again on each fresh connect. */
  | ({ negotiateUrl: string | URL; requestInit?: RequestInit; fetch?: typeof fetch } & RuntimeOption)
  /** Anything that returns a client access URL, e.g. `() => serviceClient.getClientAccessToken({ userId })`. */
  | { getClientAccessUrl: ClientAccessUrlProvider };

/** The URL source as the official client's credential: re-run on every non-recovery reconnect (docs/protocol/webpubsub.md §6). */
export function clientAccessUrlProvider(source: WebPubSubClientSource): () => Promise<string> {
  if (typeof source === 'string') {
    if (!/^wss?:\/\//i.test(source)) throw new TypeError(`expected a ws(s):// client access URL, got ${describeValue(source)}`);
    return async () => source;
  }
  if (source && 'negotiateUrl' in source) {
    const { negotiateUrl, requestInit, fetch, runtime } = source;
    return () => negotiateClientAccessUrl(negotiateUrl, { ...requestInit, ...(fetch && { fetch }), ...(runtime && { runtime }) });
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
