import { RealtimeError } from '../errors.js';
import type { HeaderMap, RequestMessage, ResponseMessage } from './protocol.js';
import { relayAppUrl } from './urls.js';
import { HOP_BY_HOP_HEADERS, isHopByHopHeader } from './wire-rules.js';

// Converting between the relay's request/response frames and WHATWG Request/Response, so any
// `(request: Request) => Response` app (Hono, itty, a plain function) can serve over Relay.

export type RelayRequestHandler = (request: Request) => Response | Promise<Response>;

export function toWhatwgRequest(message: RequestMessage, body: Uint8Array | undefined, namespace: string, secure: boolean): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.requestHeaders)) {
    if (isHopByHopHeader(name)) continue;
    try {
      headers.append(name, value);
    } catch {
      // a header name the platform refuses is dropped rather than failing the whole request
    }
  }
  const method = message.method.toUpperCase();
  const init: RequestInit = { method, headers };
  if (body && body.length > 0 && method !== 'GET' && method !== 'HEAD') init.body = body as BodyInit;
  return new Request(relayAppUrl(message.requestTarget, namespace, secure), init);
}

export function responseHeaders(response: Response): HeaderMap {
  const headers: HeaderMap = {};
  response.headers.forEach((value, name) => {
    // Headers#forEach gives lowercase names.
    if (!HOP_BY_HOP_HEADERS.has(name)) headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  });
  return headers;
}

export function responseFrame(requestId: string, response: Response, hasBody: boolean): ResponseMessage {
  return {
    type: 'response',
    requestId,
    statusCode: response.status,
    ...(response.statusText ? { statusDescription: response.statusText } : {}),
    responseHeaders: responseHeaders(response),
    body: hasBody,
  };
}

export function plainResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

/** Calls the app; a missing handler answers 501 and a throwing one 500, as .NET does (docs/protocol/relay.md §3.2). */
export async function callHandler(handler: RelayRequestHandler | undefined, request: Request, onError: (error: RealtimeError) => void): Promise<Response> {
  if (!handler) return plainResponse(501, 'No request handler on this listener');
  try {
    const response = await handler(request);
    if (response instanceof Response) return response;
    onError(new RealtimeError('protocol', 'expected the request handler to return a Response, got something else'));
  } catch (cause) {
    onError(new RealtimeError('service', 'the request handler threw', { cause }));
  }
  return plainResponse(500, 'Internal Server Error');
}

// A streamed body is read to the end: the W3C WebSocket cannot send one message in fragments,
// so the body leaves as one binary message (docs/protocol/relay.md §1.5: "ends at the frame with FIN").
export function readBody(response: Response): Promise<Uint8Array | undefined> {
  if (!response.body) return Promise.resolve(undefined);
  return response.arrayBuffer().then((buffer) => new Uint8Array(buffer));
}
