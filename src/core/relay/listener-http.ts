import { RealtimeError } from '../errors.js';
import { toFrameData, type SocketLike, type WebSocketCtor } from '../transport.js';
import { callHandler, plainResponse, readBody, responseFrame, toWhatwgRequest, type RelayRequestHandler } from './http-bridge.js';
import type { Timers } from './listener-config.js';
import { closeQuietly, openSocket } from './listener-socket.js';
import { CONTROL_CHANNEL_BODY_LIMIT, CONTROL_CHANNEL_HEADER_LIMIT, decodeControlMessage, encodeControlMessage, type RequestMessage } from './protocol.js';

// HTTP mode on the listener side (relay note §1.5): answer on the control channel when the body
// is at most 64 kB and ready within the flush time (.NET: 2 s), else over a rendezvous socket to
// the request's `address`; requests the service sends over rendezvous are answered there.

export interface HttpServeContext {
  handler?: RelayRequestHandler;
  namespace: string;
  secure: boolean;
  WebSocket: WebSocketCtor;
  timers: Timers;
  flushMs: number;
  maxRequestBodyBytes: number;
  connectTimeoutMs: number;
  /** The control channel if it is open now. */
  controlChannel(): SocketLike | undefined;
  onError(error: RealtimeError): void;
  track(socket: SocketLike): void;
  untrack(socket: SocketLike): void;
}

const SLOW = Symbol('slow');

function send(socket: SocketLike, frame: string, body: Uint8Array | undefined): void {
  socket.send(frame);
  if (body) socket.send(body);
}

async function openRendezvous(ctx: HttpServeContext, address: string): Promise<SocketLike> {
  const socket = await openSocket(ctx.WebSocket, address, { timeoutMs: ctx.connectTimeoutMs, timers: ctx.timers });
  ctx.track(socket);
  socket.onclose = () => ctx.untrack(socket);
  return socket;
}

export async function serveRelayRequest(ctx: HttpServeContext, message: RequestMessage, body: Uint8Array | undefined, rendezvous?: SocketLike): Promise<void> {
  let response: Response;
  try {
    response = await callHandler(ctx.handler, toWhatwgRequest(message, body, ctx.namespace, ctx.secure), ctx.onError);
  } catch (cause) {
    ctx.onError(new RealtimeError('protocol', `could not turn relay request ${message.id} into a Request`, { cause }));
    response = plainResponse(400, 'Bad Request');
  }
  const wantsBody = message.method.toUpperCase() !== 'HEAD' && response.body !== null && response.status !== 204 && response.status !== 304;
  const bodyRead = wantsBody ? readBody(response) : Promise.resolve(undefined);
  let upgrade: Promise<SocketLike> | undefined;
  if (!rendezvous) {
    let timer: unknown;
    const flushed = new Promise<typeof SLOW>((resolve) => (timer = ctx.timers.setTimeout(() => resolve(SLOW), ctx.flushMs)));
    const first = await Promise.race([bodyRead.catch(() => undefined), flushed]);
    ctx.timers.clearTimeout(timer);
    // Slow body: dial the rendezvous now, while the body finishes (the .NET flush rule).
    if (first === SLOW) upgrade = openRendezvous(ctx, message.address);
  }
  let bytes: Uint8Array | undefined;
  try {
    bytes = await bodyRead;
  } catch (cause) {
    ctx.onError(new RealtimeError('service', `reading the response body for request ${message.id} failed`, { cause }));
    response = plainResponse(500, 'Internal Server Error');
    bytes = undefined;
  }
  if (bytes && bytes.length === 0) bytes = undefined;
  const frame = encodeControlMessage(responseFrame(message.id, response, bytes !== undefined));
  if (rendezvous) {
    send(rendezvous, frame, bytes);
    return;
  }
  const control = ctx.controlChannel();
  if (!upgrade && control && (bytes?.length ?? 0) <= CONTROL_CHANNEL_BODY_LIMIT && frame.length <= CONTROL_CHANNEL_HEADER_LIMIT) {
    send(control, frame, bytes);
    return;
  }
  try {
    const socket = await (upgrade ?? openRendezvous(ctx, message.address));
    send(socket, frame, bytes);
    // .NET closes its response rendezvous after each response (relay note §1.5).
    closeQuietly(socket);
  } catch (error) {
    ctx.onError(error instanceof RealtimeError ? error : new RealtimeError('unavailable', 'response rendezvous failed', { cause: error }));
  }
}

/** The service moved a request to rendezvous (`request` with only `address`): dial it and serve what arrives. */
export async function serveRequestRendezvous(ctx: HttpServeContext, address: string): Promise<void> {
  let socket: SocketLike;
  try {
    socket = await openRendezvous(ctx, address);
  } catch (error) {
    ctx.onError(error as RealtimeError);
    return;
  }
  let pending: RequestMessage | undefined;
  const fail = (error: RealtimeError, code: number) => {
    ctx.onError(error);
    pending = undefined;
    closeQuietly(socket, code, error.code);
  };
  socket.onmessage = (event) => {
    let frame: string | Uint8Array;
    try {
      frame = toFrameData(event.data);
    } catch (cause) {
      fail(new RealtimeError('protocol', 'unreadable frame on a request rendezvous', { cause }), 1003);
      return;
    }
    if (pending) {
      if (typeof frame === 'string') return fail(new RealtimeError('protocol', 'expected the request body as a binary frame, got text'), 1003);
      if (frame.length > ctx.maxRequestBodyBytes) {
        return fail(new RealtimeError('too_large', `request body of ${frame.length} bytes exceeds ${ctx.maxRequestBodyBytes}`), 1009);
      }
      const message = pending;
      pending = undefined;
      void serveRelayRequest(ctx, message, frame, socket);
      return;
    }
    if (typeof frame !== 'string') return fail(new RealtimeError('protocol', 'unexpected binary frame on a request rendezvous'), 1003);
    let message;
    try {
      message = decodeControlMessage(frame);
    } catch (error) {
      return fail(error as RealtimeError, 1008);
    }
    if (message.type !== 'request') return fail(new RealtimeError('protocol', `unexpected ${message.type} on a request rendezvous`), 1008);
    if (message.body) pending = message;
    else void serveRelayRequest(ctx, message, undefined, socket);
  };
}
