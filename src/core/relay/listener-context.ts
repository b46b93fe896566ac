import type { RealtimeError } from '../errors.js';
import type { SocketLike, WebSocketCtor } from '../transport.js';
import type { RelayRequestHandler } from './http-bridge.js';
import type { Timers } from '../runtime-types.js';
import type { FlushWatch } from './listener-flush.js';
import type { AcceptHandler, RelayConnection } from './listener-types.js';

// What the accept and HTTP paths need from their listener: one object, built once per listener.

export interface ListenerContext {
  namespace: string;
  secure: boolean;
  WebSocket: WebSocketCtor;
  timers: Timers;
  /** Handshake timeout for rendezvous dials. */
  connectTimeoutMs: number;
  acceptHandler: AcceptHandler | undefined;
  requestHandler: RelayRequestHandler | undefined;
  now(): number;
  /** A response not complete after this goes over rendezvous (the .NET flush timer). */
  flushMs: number;
  /** The flush timer shared by this listener's responses, made on the first request. */
  flush?: FlushWatch;
  maxRequestBodyBytes: number;
  /** The control channel if it is open now. */
  controlChannel(): SocketLike | undefined;
  /** Request rendezvous sockets still open; `close()` closes them. */
  rendezvous: Set<SocketLike>;
  /** False when nothing listens for 'connection': the socket would be accepted and left hanging. */
  wantsConnections(): boolean;
  onConnection(connection: RelayConnection): void;
  onError(error: RealtimeError): void;
}
