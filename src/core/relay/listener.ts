import { backoffDelay, type BackoffOptions } from '../backoff.js';
import { RealtimeError } from '../errors.js';
import type { AccessToken } from '../token-provider.js';
import { SocketState, toFrameData, type SocketLike } from '../transport.js';
import type { RelayRequestHandler } from './http-bridge.js';
import { handleAccept, type AcceptContext, type AcceptHandler, type RelayConnection } from './listener-accept.js';
import { resolveRelayConfig, type RelayEntityOptions, type RelayRuntimeOptions, type ResolvedRelayConfig } from './listener-config.js';
import { TypedEmitter } from './listener-events.js';
import { serveRelayRequest, serveRequestRendezvous, type HttpServeContext } from './listener-http.js';
import { startLiveness, type Liveness } from './listener-liveness.js';
import { startTokenRenewal } from './listener-renewal.js';
import { closeError, closeQuietly, openSocket } from './listener-socket.js';
import { CONTROL_CHANNEL_BODY_LIMIT, decodeControlMessage, type RequestMessage } from './protocol.js';
import { createRelayListenUrl } from './urls.js';

// The listener's control channel as a state machine, shaped on .NET's HybridConnectionListener
// (relay note §3.2): open/close, Connecting/Online/Offline with LastError, reconnect on
// 0-1-2-5-10-30 s with jitter stopping on 404, renewToken before expiry (listener-renewal.ts),
// keep-alive (listener-liveness.ts).

export type ListenerStatus = 'idle' | 'connecting' | 'online' | 'offline' | 'closed';

export interface ListenerEvents {
  /** Dialing the control channel; carries the error that dropped the previous one. */
  connecting: RealtimeError | undefined;
  online: void;
  /** Stopped for good (404, first open failed, or close()); carries the last error. */
  offline: RealtimeError | undefined;
  connection: RelayConnection;
  /** Non-fatal trouble: a bad frame, a failed rendezvous, a throwing handler. */
  error: RealtimeError;
}

export interface HybridConnectionListenerOptions extends RelayRuntimeOptions {
  acceptHandler?: AcceptHandler;
  requestHandler?: RelayRequestHandler;
  /** `sb-hc-id` tracking id. */
  id?: string;
  /** Unsolicited Pong interval (relay note §1.7; .NET 3.5 min). 0 turns keep-alive and the watchdog off. */
  keepAliveIntervalMs?: number;
  backoff?: BackoffOptions;
  /** Largest request body accepted over rendezvous (default 16 MiB). */
  maxRequestBodyBytes?: number;
  /** A response not complete after this goes over rendezvous (default 2000 ms, the .NET flush timer). */
  responseFlushMs?: number;
  /** Handshake timeout for control channel and rendezvous dials (default 30 s). */
  connectTimeoutMs?: number;
}

// A channel that stayed up this long resets the backoff; shorter ones keep escalating, so a
// service that drops us right after connecting is not hammered (style-anchors §6 minUptime).
const MIN_UPTIME_MS = 10_000;

export class HybridConnectionListener extends TypedEmitter<ListenerEvents> {
  readonly #config: ResolvedRelayConfig;
  readonly #options: HybridConnectionListenerOptions;
  readonly #http: HttpServeContext;
  readonly #accept: AcceptContext;
  #status: ListenerStatus = 'idle';
  #lastError: RealtimeError | undefined;
  #socket: SocketLike | undefined;
  #generation = 0;
  #attempt = 0;
  #onlineSince = 0;
  #reconnectTimer: unknown;
  #renewal: { stop(): void } | undefined;
  #liveness: Liveness | undefined;
  #pendingRequest: RequestMessage | undefined;
  #rendezvous = new Set<SocketLike>();
  #opening: { resolve: () => void; reject: (error: RealtimeError) => void } | undefined;

  /** From a connection string (`path` option when it has no EntityPath), or namespace + path + token provider. */
  constructor(target: string | RelayEntityOptions, options: HybridConnectionListenerOptions = {}) {
    super();
    this.#config = resolveRelayConfig(target, options);
    this.#options = options;
    const { namespace, secure, WebSocket, timers } = this.#config;
    const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    const onError = (error: RealtimeError) => this.emit('error', error);
    this.#http = {
      ...(options.requestHandler ? { handler: options.requestHandler } : {}),
      namespace, secure, WebSocket, timers, connectTimeoutMs, onError,
      flushMs: options.responseFlushMs ?? 2000,
      maxRequestBodyBytes: options.maxRequestBodyBytes ?? 16 * 1024 * 1024,
      controlChannel: () => (this.#socket?.readyState === SocketState.OPEN ? this.#socket : undefined),
      track: (socket) => this.#rendezvous.add(socket),
      untrack: (socket) => this.#rendezvous.delete(socket),
    };
    this.#accept = {
      ...(options.acceptHandler ? { handler: options.acceptHandler } : {}),
      namespace, secure, WebSocket, timers, connectTimeoutMs, onError,
      wantsConnections: () => this.listenerCount('connection') > 0,
      onConnection: (connection) => this.emit('connection', connection),
    };
  }

  get status(): ListenerStatus {
    return this.#status;
  }

  get isOnline(): boolean {
    return this.#status === 'online';
  }

  get lastError(): RealtimeError | undefined {
    return this.#lastError;
  }

  /** The listen URL, without any token. */
  get address(): string {
    const { namespace, path, secure } = this.#config;
    return createRelayListenUrl({ namespace, path, secure });
  }

  /** Resolves once online. Like .NET OpenAsync, a failing first connect rejects and leaves the listener offline. */
  open(): Promise<void> {
    if (this.#status === 'online') return Promise.resolve();
    if (this.#status === 'connecting' && this.#opening) return new Promise((resolve, reject) => this.#chainOpen(resolve, reject));
    if (this.#status === 'connecting') return this.#nextOutcome();
    return new Promise((resolve, reject) => {
      this.#opening = { resolve, reject };
      this.#attempt = 0;
      this.#setConnecting(undefined);
      void this.#connect();
    });
  }

  /** Closes the control channel and any HTTP rendezvous; accepted sockets belong to the app. */
  async close(): Promise<void> {
    if (this.#status === 'closed') return;
    const wasOffline = this.#status === 'offline' || this.#status === 'idle';
    this.#status = 'closed';
    this.#generation++;
    this.#config.timers.clearTimeout(this.#reconnectTimer);
    this.#stopChannel();
    for (const socket of this.#rendezvous) closeQuietly(socket);
    this.#rendezvous.clear();
    this.#opening?.reject(new RealtimeError('aborted', 'listener closed before it came online'));
    this.#opening = undefined;
    if (!wasOffline) this.emit('offline', undefined);
  }

  /** Reconnecting: settle with the next online or offline. */
  #nextOutcome(): Promise<void> {
    return new Promise((resolve, reject) => {
      const offOnline = this.on('online', () => (offOnline(), offOffline(), resolve()));
      const offOffline = this.on('offline', (error) => (offOnline(), offOffline(), reject(error ?? new RealtimeError('closed', 'listener went offline'))));
    });
  }

  #chainOpen(resolve: () => void, reject: (error: RealtimeError) => void): void {
    const previous = this.#opening!;
    this.#opening = {
      resolve: () => (previous.resolve(), resolve()),
      reject: (error) => (previous.reject(error), reject(error)),
    };
  }

  #setConnecting(error: RealtimeError | undefined): void {
    if (this.#status === 'connecting') return;
    this.#status = 'connecting';
    this.emit('connecting', error);
  }

  async #connect(): Promise<void> {
    const generation = ++this.#generation;
    const { namespace, path, secure, tokenProvider, tokenInHeader, WebSocket, timers } = this.#config;
    try {
      const token = tokenProvider ? await tokenProvider.getToken(this.#config.audience) : undefined;
      if (generation !== this.#generation) return;
      const url = createRelayListenUrl({
        namespace, path, secure,
        ...(this.#options.id ? { id: this.#options.id } : {}),
        ...(token && !tokenInHeader ? { token: token.token } : {}),
      });
      const headers = token && tokenInHeader ? { ServiceBusAuthorization: token.token } : undefined;
      const socket = await openSocket(WebSocket, url, { ...(headers ? { headers } : {}), timeoutMs: this.#options.connectTimeoutMs ?? 30_000, timers });
      if (generation !== this.#generation) {
        closeQuietly(socket);
        return;
      }
      this.#attach(socket, token);
    } catch (cause) {
      if (generation !== this.#generation) return;
      const error = cause instanceof RealtimeError ? cause : new RealtimeError('unavailable', 'could not get a token or dial the control channel', { cause });
      this.#connectFailed(error);
    }
  }

  #connectFailed(error: RealtimeError): void {
    this.#lastError = error;
    // .NET: the first OpenAsync surfaces the error; afterwards only 404 is terminal (note §3.2).
    if (this.#opening || error.code === 'not_found') {
      this.#goOffline(error);
      return;
    }
    this.#scheduleReconnect(error);
  }

  #goOffline(error: RealtimeError): void {
    this.#status = 'offline';
    this.#stopChannel();
    this.#opening?.reject(error);
    this.#opening = undefined;
    this.emit('offline', error);
  }

  #scheduleReconnect(error: RealtimeError): void {
    this.#lastError = error;
    this.#setConnecting(error);
    const delay = backoffDelay(this.#attempt++, this.#options.backoff);
    this.#reconnectTimer = this.#config.timers.setTimeout(() => void this.#connect(), delay);
  }

  #attach(socket: SocketLike, token: AccessToken | undefined): void {
    const { timers, now } = this.#config;
    this.#socket = socket;
    this.#pendingRequest = undefined;
    socket.onmessage = (event) => {
      this.#liveness?.touch();
      this.#onFrame(socket, event.data);
    };
    socket.onclose = (event) => {
      if (socket === this.#socket) this.#drop(closeError('control channel', event));
    };
    socket.onerror = () => {}; // a close event follows
    const interval = this.#options.keepAliveIntervalMs ?? 210_000;
    this.#liveness = startLiveness(socket, interval, timers, () => {
      this.#recycle(new RealtimeError('timeout', 'control channel went silent (no pong to a keep-alive ping)'));
    });
    this.#onlineSince = now();
    this.#status = 'online';
    if (token && this.#config.tokenProvider) {
      const { tokenProvider, audience } = this.#config;
      this.#renewal = startTokenRenewal({ tokenProvider, audience, timers, now, onError: (error) => this.emit('error', error) }, socket, token);
    }
    const opening = this.#opening;
    this.#opening = undefined;
    this.emit('online', undefined);
    opening?.resolve();
  }

  #stopChannel(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#pendingRequest = undefined;
    this.#liveness?.stop();
    this.#liveness = undefined;
    this.#renewal?.stop();
    this.#renewal = undefined;
    if (socket) {
      socket.onmessage = null;
      socket.onclose = null;
      closeQuietly(socket);
    }
  }

  /** The channel is gone (closed by the service or recycled by us): reconnect with backoff. */
  #drop(error: RealtimeError): void {
    this.#stopChannel();
    if (this.#status === 'closed' || this.#status === 'offline') return;
    if (this.#config.now() - this.#onlineSince >= MIN_UPTIME_MS) this.#attempt = 0;
    this.#scheduleReconnect(error);
  }

  /** A bad frame: report it, then start over on a fresh channel (nothing thrown into app code). */
  #recycle(error: RealtimeError): void {
    this.emit('error', error);
    this.#drop(error);
  }

  #onFrame(socket: SocketLike, data: unknown): void {
    if (socket !== this.#socket) return;
    let frame: string | Uint8Array;
    try {
      frame = toFrameData(data);
    } catch (cause) {
      return this.#recycle(new RealtimeError('protocol', 'unreadable frame on the control channel', { cause }));
    }
    const pending = this.#pendingRequest;
    if (pending) {
      this.#pendingRequest = undefined;
      if (typeof frame === 'string') return this.#recycle(new RealtimeError('protocol', `expected the body of request ${pending.id} as a binary frame, got text`));
      if (frame.length > CONTROL_CHANNEL_BODY_LIMIT) {
        return this.#recycle(new RealtimeError('too_large', `request body of ${frame.length} bytes on the control channel exceeds ${CONTROL_CHANNEL_BODY_LIMIT}`));
      }
      void serveRelayRequest(this.#http, pending, frame);
      return;
    }
    if (typeof frame !== 'string') return this.#recycle(new RealtimeError('protocol', 'unexpected binary frame on the control channel'));
    let message;
    try {
      message = decodeControlMessage(frame);
    } catch (error) {
      return this.#recycle(error as RealtimeError);
    }
    switch (message.type) {
      case 'accept':
        void handleAccept(this.#accept, message);
        return;
      case 'request':
        if (message.body) this.#pendingRequest = message;
        else void serveRelayRequest(this.#http, message, undefined);
        return;
      case 'requestRendezvous':
        void serveRequestRendezvous(this.#http, message.address);
        return;
      default:
        this.#recycle(new RealtimeError('protocol', `unexpected ${message.type} message on the control channel`));
    }
  }
}
