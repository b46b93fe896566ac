import { RealtimeError } from '../errors.js';
import type { AccessToken } from '../token-provider.js';
import type { SocketLike } from '../transport.js';
import { handleAccept } from './listener-accept.js';
import type { RequestBody } from './lazy-request.js';
import type { ListenerContext } from './listener-context.js';
import { createFrameReader } from './listener-frames.js';
import { serveRelayRequest, serveRequestRendezvous } from './listener-http.js';
import { startLiveness } from './listener-liveness.js';
import { startTokenRenewal, type RenewalContext } from './listener-renewal.js';
import { CONTROL_CHANNEL_BODY_LIMIT, type ControlMessage } from './protocol.js';
import { closeQuietly } from './socket-close.js';
import { closeError } from './sockets.js';

export { dialEntity } from './dial.js';
export { relayFetch } from './client-fetch.js';

// Everything a listener does once its control channel is open: read frames, dispatch accepts and
// requests, keep the channel alive and its token fresh. Loaded by listener.ts on the first open(),
// so a page that only constructs a listener (or a client) does not load it (scripts/size.mjs).

export interface ChannelHooks {
  /** Unsolicited Pong interval; 0 turns keep-alive and the watchdog off. */
  keepAliveIntervalMs: number;
  /** Renews the token on this channel before it expires; omit for a channel without one. */
  renewal?: Omit<RenewalContext, 'onError'>;
  /** The service closed the channel. */
  onClosed(error: RealtimeError): void;
  /** A bad frame or a silent channel: report it and start over. */
  onBroken(error: RealtimeError): void;
}

export interface ControlChannel {
  /** Stops its timers, detaches from the socket and closes it. */
  stop(): void;
}

export function attachControlChannel(ctx: ListenerContext, socket: SocketLike, token: AccessToken | undefined, hooks: ChannelHooks): ControlChannel {
  let live = true;
  const liveness = startLiveness(socket, hooks.keepAliveIntervalMs, ctx.timers, () => {
    hooks.onBroken(new RealtimeError('timeout', 'control channel went silent (no pong to a keep-alive ping)'));
  });
  const dispatch = (message: ControlMessage, body: RequestBody | undefined) => {
    if (message.type === 'accept') void handleAccept(ctx, message);
    else if (message.type === 'request') void serveRelayRequest(ctx, message, body);
    else if (message.type === 'requestRendezvous') void serveRequestRendezvous(ctx, message.address);
    else hooks.onBroken(new RealtimeError('protocol', `unexpected ${message.type} message on the control channel`));
  };
  const read = createFrameReader(CONTROL_CHANNEL_BODY_LIMIT, dispatch, (error) => hooks.onBroken(error));
  socket.onmessage = ({ data }) => {
    liveness.touch();
    if (live) read(data);
  };
  socket.onclose = (event) => {
    if (live) hooks.onClosed(closeError('control channel', event));
  };
  socket.onerror = () => {}; // a close event follows
  const timers: Array<{ stop(): void }> = [liveness];
  if (token && hooks.renewal) timers.push(startTokenRenewal({ ...hooks.renewal, onError: ctx.onError }, socket, token));
  return {
    stop() {
      if (!live) return;
      live = false;
      for (const timer of timers) timer.stop();
      socket.onmessage = socket.onclose = null;
      closeQuietly(socket);
    },
  };
}
