import { RealtimeError } from '../errors.js';
import type { HeaderMap, RequestMessage, ResponseMessage } from './protocol.js';
import { createRelayRequest, type RequestBody } from './lazy-request.js';
import { HOP_BY_HOP_HEADERS } from './wire-rules.js';

// Converting between the relay's request/response frames and WHATWG Request/Response, so any
// `(request: Request) => Response` app (Hono, itty, a plain function) can serve over Relay.

export type RelayRequestHandler = (request: Request) => Response | Promise<Response>;

/** The handler's Request for a relayed request (lazy where the runtime allows: lazy-request.ts). */
export function toWhatwgRequest(message: RequestMessage, body: RequestBody | undefined, namespace: string, secure: boolean): Request {
  return createRelayRequest({ target: message.requestTarget, namespace, secure, method: message.method.toUpperCase(), requestHeaders: message.requestHeaders, body });
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

/** A response body read to the end; `owned`: no one else holds these bytes (the sender may mask them in place). */
export interface ReadBody {
  bytes: Uint8Array;
  owned: boolean;
}

/** Below this, whose bytes they are is not worth finding out (it costs a reader). */
const OWNERSHIP_CHECK_BYTES = 64 * 1024;

// A byte stream transfers every chunk enqueued in it (the enqueuer's buffer is detached), so what
// its reader yields is the reader's alone; a default stream hands out the enqueuer's own chunk.
// Only a byte stream gives a BYOB reader. (Node's Response bodies from bytes or text are byte streams.)
function isByteStream(body: ReadableStream<Uint8Array>): boolean {
  try {
    (body.getReader as (options: { mode: 'byob' }) => { releaseLock(): void })({ mode: 'byob' }).releaseLock();
    return true;
  } catch {
    return false;
  }
}

// A streamed body is read to the end: the W3C WebSocket cannot send one message in fragments,
// so the body leaves as one binary message (docs/protocol/relay.md §1.5: "ends at the frame with FIN").
// Read with the stream's own reader: a body given as bytes arrives as one chunk, sent as it is, and
// this costs a fraction of what arrayBuffer() does in Node's undici (bench/profiles/relay-client.md).
export async function readBody(response: Response): Promise<ReadBody | undefined> {
  const body = response.body;
  if (!body) return undefined;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!(value instanceof Uint8Array)) throw new TypeError(`expected the response body to stream bytes, got ${typeof value}`);
    chunks.push(value);
    size += value.length;
  }
  if (chunks.length === 1) {
    if (size < OWNERSHIP_CHECK_BYTES) return { bytes: chunks[0]!, owned: false };
    reader.releaseLock();
    return { bytes: chunks[0]!, owned: isByteStream(body) };
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return { bytes, owned: true };
}
