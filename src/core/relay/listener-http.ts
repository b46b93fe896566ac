import { RealtimeError } from '../errors.js';
import type { SocketLike } from '../transport.js';
import { callHandler, plainResponse, readBody, responseFrame, toWhatwgRequest, type ReadBody } from './http-bridge.js';
import type { RequestBody } from './lazy-request.js';
import type { ListenerContext } from './listener-context.js';
import { createFlushWatch } from './listener-flush.js';
import { createFrameReader } from './listener-frames.js';
import { closeQuietly, openSocket } from './sockets.js';
import { CONTROL_CHANNEL_BODY_LIMIT, CONTROL_CHANNEL_HEADER_LIMIT, encodeControlMessage, type RequestMessage } from './protocol.js';

// HTTP mode on the listener side (docs/protocol/relay.md §1.5): answer on the control channel when the body
// is at most 64 kB and ready within the flush time (.NET: 2 s), else over a rendezvous socket to
// the request's `address`; requests the service sends over rendezvous are answered there.

/** A socket that can send bytes its caller gives up without copying them (the Node entry's: src/node/websocket.ts). */
type OwnedSender = SocketLike & { sendOwned?(bytes: Uint8Array): void };

// The response message and its body in one write where the socket can (SocketLike.batch), shared
// with the other responses of the same tick.
function send(socket: OwnedSender, frame: string, body: ReadBody | undefined): void {
  const frames = () => {
    socket.send(frame);
    if (!body) return;
    if (body.owned && socket.sendOwned) socket.sendOwned(body.bytes);
    else socket.send(body.bytes);
  };
  if (socket.batch) socket.batch(frames);
  else frames();
}

async function openRendezvous(ctx: ListenerContext, address: string): Promise<SocketLike> {
  const socket = await openSocket(ctx.WebSocket, address, { timeoutMs: ctx.connectTimeoutMs, timers: ctx.timers });
  ctx.rendezvous.add(socket);
  socket.onclose = () => ctx.rendezvous.delete(socket);
  return socket;
}

export async function serveRelayRequest(ctx: ListenerContext, message: RequestMessage, body: RequestBody | undefined, rendezvous?: SocketLike): Promise<void> {
  let response: Response;
  try {
    response = await callHandler(ctx.requestHandler, toWhatwgRequest(message, body, ctx.namespace, ctx.secure), ctx.onError);
  } catch (cause) {
    ctx.onError(new RealtimeError('protocol', `could not turn relay request ${message.id} into a Request`, { cause }));
    response = plainResponse(400, 'Bad Request');
  }
  const wantsBody = message.method.toUpperCase() !== 'HEAD' && response.status !== 204 && response.status !== 304;
  const bodyRead = wantsBody ? readBody(response) : Promise.resolve(undefined);
  let upgrade: Promise<SocketLike> | undefined;
  // Slow body: dial the rendezvous when the flush time passes, while the body finishes (the .NET flush rule).
  const done = rendezvous
    ? undefined
    : (ctx.flush ??= createFlushWatch(ctx.flushMs, ctx.timers, ctx.now)).watch(() => {
        upgrade = openRendezvous(ctx, message.address);
        upgrade.catch(() => {}); // reported where it is awaited below
      });
  let bytes: ReadBody | undefined;
  try {
    bytes = await bodyRead;
  } catch (cause) {
    ctx.onError(new RealtimeError('service', `reading the response body for request ${message.id} failed`, { cause }));
    response = plainResponse(500, 'Internal Server Error');
  }
  done?.();
  if (!bytes?.bytes.length) bytes = undefined;
  const frame = encodeControlMessage(responseFrame(message.id, response, bytes !== undefined));
  if (rendezvous) return send(rendezvous, frame, bytes);
  const control = ctx.controlChannel();
  if (!upgrade && control && (bytes?.bytes.length ?? 0) <= CONTROL_CHANNEL_BODY_LIMIT && frame.length <= CONTROL_CHANNEL_HEADER_LIMIT) {
    return send(control, frame, bytes);
  }
  try {
    const socket = await (upgrade ?? openRendezvous(ctx, message.address));
    send(socket, frame, bytes);
    // .NET closes its response rendezvous after each response (docs/protocol/relay.md §1.5).
    closeQuietly(socket);
  } catch (error) {
    ctx.onError(error as RealtimeError);
  }
}

/** The service moved a request to rendezvous (`request` with only `address`): dial it and serve what arrives. */
export async function serveRequestRendezvous(ctx: ListenerContext, address: string): Promise<void> {
  let socket: SocketLike;
  try {
    socket = await openRendezvous(ctx, address);
  } catch (error) {
    return ctx.onError(error as RealtimeError);
  }
  const fail = (error: RealtimeError, code: number) => {
    ctx.onError(error);
    closeQuietly(socket, code, error.code);
  };
  const read = createFrameReader(
    ctx.maxRequestBodyBytes,
    (message, body) => {
      if (message.type === 'request') void serveRelayRequest(ctx, message, body, socket);
      else fail(new RealtimeError('protocol', `unexpected ${message.type} on a request rendezvous`), 1008);
    },
    fail,
  );
  socket.onmessage = ({ data }) => read(data);
}
