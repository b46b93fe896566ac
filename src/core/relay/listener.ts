import { backoffDelay, type BackoffOptions } from '../backoff.js';
import { RealtimeError } from '../errors.js';
import type { AccessToken } from '../token-provider.js';
import { SocketState, type SocketLike } from '../transport.js';
import type { RelayRequestHandler } from './http-bridge.js';
import { resolveRelayConfig, type RelayEntityOptions, type RelayRuntimeOptions, type ResolvedRelayConfig } from './entity-config.js';
import type { ControlChannel } from './listener-channel.js';
import type { ListenerContext } from './listener-context.js';
import type { AcceptHandler, RelayConnection } from './listener-types.js';
import { TypedEmitter } from './listener-events.js';
import { closeQuietly } from './socket-close.js';
import { createRelayListenUrl } from './urls.js';

// The listener's control channel as a state machine, shaped on .NET's HybridConnectionListener
// (docs/protocol/relay.md §3.2): open/close, Connecting/Online/Offline with LastError, reconnect on
// 0-1-2-5-10-30 s with jitter stopping on 404, renewToken before expiry (listener-renewal.ts),
// keep-alive (listener-liveness.ts). What runs once a channel is open (frames, accept, HTTP, renewal,
// keep-alive) is listener-channel.ts, loaded on the first open(): constructing a listener loads
// little (scripts/size.mjs).

type ChannelModule = typeof import('./listener-channel.js');
let channelModule: Promise<ChannelModule> | undefined;

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
  /** Unsolicited Pong interval (docs/protocol/relay.md §1.7; .NET 3.5 min). 0 turns keep-alive and the watchdog off. */
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
// service that drops us right after connecting is not hammered.
const MIN_UPTIME_MS = 10_000;

export class HybridConnectionListener extends TypedEmitter<ListenerEvents> {
  readonly #config: ResolvedRelayConfig;
  readonly #options: HybridConnectionListenerOptions;
  readonly #ctx: ListenerContext;
  #status: ListenerStatus = 'idle';
  #lastError: RealtimeError | undefined;
  #socket: SocketLike | undefined;
  /** The open channel's frame reader, renewal and keep-alive. */
  #channel: ControlChannel | undefined;
  /** Bumped whenever a dial in flight must be ignored (a newer dial, close()). */
  #generation = 0;
  #attempt = 0;
  #onlineSince = 0;
  #reconnectTimer: unknown;
  /** open() calls waiting for online (resolve) or offline (reject). */
  #waiters: Array<[resolve: () => void, reject: (error: RealtimeError) => void]> = [];
  /** Set by open() from idle/offline: like .NET OpenAsync, a failing first connect is final. */
  #firstOpen = false;

  /** From a connection string (`path` option when it has no EntityPath), or namespace + path + token provider. */
  constructor(target: string | RelayEntityOptions, options: HybridConnectionListenerOptions = {}) {
    const config = resolveRelayConfig(target, options);
    super(config.timers);
    this.#config = config;
    this.#options = options;
    this.#ctx = {
      namespace: config.namespace,
      secure: config.secure,
      WebSocket: config.WebSocket,
      timers: config.timers,
      connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
      acceptHandler: options.acceptHandler,
      requestHandler: options.requestHandler,
      now: config.now,
      flushMs: options.responseFlushMs ?? 2000,
      maxRequestBodyBytes: options.maxRequestBodyBytes ?? 16 * 1024 * 1024,
      controlChannel: () => (this.#socket?.readyState === SocketState.OPEN ? this.#socket : undefined),
      rendezvous: new Set(),
      wantsConnections: () => this.listenerCount('connection') > 0,
      onConnection: (connection) => this.emit('connection', connection),
      onError: (error) => this.emit('error', error),
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
    return createRelayListenUrl(this.#config);
  }

  /**
   * Resolves once online. Like .NET OpenAsync, a failing first connect rejects and leaves the
   * listener offline; while it reconnects, open() settles with the next online or offline.
   */
  open(): Promise<void> {
    if (this.#status === 'online') return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push([resolve, reject]);
      if (this.#status === 'connecting') return;
      this.#firstOpen = true;
      this.#attempt = 0;
      this.#setConnecting(undefined);
      void this.#connect();
    });
  }

  /** Closes the control channel and any HTTP rendezvous; accepted sockets belong to the app. */
  async close(): Promise<void> {
    if (this.#status === 'closed') return;
    const wasUp = this.#status === 'online' || this.#status === 'connecting';
    this.#status = 'closed';
    this.#generation++;
    this.#config.timers.clearTimeout(this.#reconnectTimer);
    this.#stopChannel();
    for (const socket of this.#ctx.rendezvous) closeQuietly(socket);
    this.#ctx.rendezvous.clear();
    this.#ctx.flush?.clear();
    this.#settle(new RealtimeError('aborted', 'listener closed before it came online'));
    if (wasUp) this.emit('offline', undefined);
  }

  /** Resolves (no error) or rejects every waiting open(). */
  #settle(error?: RealtimeError): void {
    for (const [resolve, reject] of this.#waiters.splice(0)) error ? reject(error) : resolve();
  }

  #setConnecting(error: RealtimeError | undefined): void {
    if (this.#status === 'connecting') return;
    this.#status = 'connecting';
    this.emit('connecting', error);
  }

  async #connect(): Promise<void> {
    const generation = ++this.#generation;
    try {
      const channel = await (channelModule ??= import('./listener-channel.js'));
      const { socket, token } = await channel.dialEntity(this.#config, 'listen', {
        ...(this.#options.id ? { url: { id: this.#options.id } } : {}),
        timeoutMs: this.#ctx.connectTimeoutMs,
      });
      if (generation === this.#generation) this.#attach(channel, socket, token);
      else closeQuietly(socket);
    } catch (cause) {
      if (generation !== this.#generation) return;
      const error = cause instanceof RealtimeError ? cause : new RealtimeError('unavailable', 'could not get a token for the control channel', { cause });
      this.#lastError = error;
      // .NET: the first OpenAsync surfaces the error; afterwards only 404 is terminal (docs/protocol/relay.md §3.2).
      if (this.#firstOpen || error.code === 'not_found') this.#goOffline(error);
      else this.#scheduleReconnect(error);
    }
  }

  #goOffline(error: RealtimeError): void {
    this.#status = 'offline';
    this.#stopChannel();
    this.#settle(error);
    this.emit('offline', error);
  }

  #scheduleReconnect(error: RealtimeError): void {
    this.#lastError = error;
    this.#setConnecting(error);
    const delay = backoffDelay(this.#attempt++, this.#options.backoff);
    this.#reconnectTimer = this.#config.timers.setTimeout(() => void this.#connect(), delay);
  }

  #attach(channel: ChannelModule, socket: SocketLike, token: AccessToken | undefined): void {
    const { timers, now, tokenProvider, audience } = this.#config;
    this.#socket = socket;
    this.#channel = channel.attachControlChannel(this.#ctx, socket, token, {
      keepAliveIntervalMs: this.#options.keepAliveIntervalMs ?? 210_000,
      ...(tokenProvider ? { renewal: { tokenProvider, audience, timers, now } } : {}),
      onClosed: (error) => this.#drop(error),
      onBroken: (error) => this.#recycle(error),
    });
    this.#onlineSince = now();
    this.#status = 'online';
    this.#firstOpen = false;
    this.emit('online', undefined);
    this.#settle();
  }

  #stopChannel(): void {
    const channel = this.#channel;
    this.#channel = undefined;
    this.#socket = undefined;
    channel?.stop();
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
}
