import { RealtimeError, describeValue } from '../errors.js';
import { entityToken } from './dial.js';
import type { ResolvedRelayConfig } from './entity-config.js';

// HybridConnectionClient.fetch (docs/protocol/relay.md §1.5), loaded on its first call.

/** fetch through the relay: the URL resolved against `httpUrl/`, the token in the header or the query. */
export async function relayFetch(config: ResolvedRelayConfig, own: typeof fetch | undefined, httpUrl: string, input: string | URL | Request, init: RequestInit | undefined): Promise<Response> {
  const fetchImpl = own ?? config.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError(`expected a fetch function, got ${describeValue(fetchImpl)}`);
  const raw = input instanceof Request ? input.url : String(input);
  const url = new URL(/^[a-z][a-z0-9+.-]*:/i.test(raw) ? raw : raw.replace(/^\/+/, ''), `${httpUrl}/`);
  if (raw === '' || raw === '/') url.pathname = url.pathname.replace(/\/$/, '');
  const token = (await entityToken(config))?.token;
  const request = new Request(url, input instanceof Request ? new Request(input, init) : init);
  const headers = new Headers(request.headers);
  if (token && config.tokenInHeader) headers.set('ServiceBusAuthorization', token);
  else if (token) url.searchParams.set('sb-hc-token', token);
  try {
    return await fetchImpl(url, { ...(await requestInit(request)), headers });
  } catch (cause) {
    throw new RealtimeError('unavailable', `relay HTTP request to ${url.origin}${url.pathname} failed`, { cause });
  }
}

// The body is buffered: Chromium streams request bodies only over HTTP/2, and the relay's own
// limit is about the whole body anyway (docs/protocol/relay.md §1.5).
async function requestInit(request: Request): Promise<RequestInit> {
  const init: RequestInit = { method: request.method, redirect: request.redirect, signal: request.signal };
  if (request.body) init.body = await request.arrayBuffer();
  return init;
}
