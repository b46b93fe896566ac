import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

// Per-port admission for every emulator (the seed of the shared host; the protocols say nothing on
// it: the services' own caps are far above anything local). Two rules:
//  - a connection cap: past `maxConnections` open sockets a new one is closed at once, so a
//    flood costs a file descriptor for a moment, not memory for ever;
//  - a handshake deadline: every connection must have completed its handshake (HTTP: request
//    or upgrade headers; AMQP: open and authorized) within `handshakeTimeoutMs`, else it is
//    destroyed. Half a protocol header or a stalled upgrade no longer holds a socket forever.

export const DEFAULT_MAX_CONNECTIONS = 50_000;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

export interface ConnectionGuardOptions {
  /** Open connections per port; more are closed on arrival. Default 50,000 (above any crowd a local test makes: a Web PubSub unit alone takes 1,000). */
  maxConnections?: number;
  /** Time a connection has to finish its handshake. Default 30 s. */
  handshakeTimeoutMs?: number;
  /** Told once per refused or expired connection (no secrets: only counts and reasons). */
  log?: (line: string) => void;
  /** Prefix for log lines, e.g. `eventhubs`. */
  service?: string;
}

/** One admitted connection: the layers above say when (or on what condition) its handshake is done. */
export interface GuardedConnection {
  /** The handshake is complete: the deadline no longer applies. */
  pass(): void;
  /** At the deadline, the connection survives only if `check()` is true then. */
  passWhen(check: () => boolean): void;
  readonly passed: boolean;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`expected ${name} to be a positive number, got ${String(value)}`);
  return value;
}

/** Deadlines count from here, so that they stay small integers (no boxed number per connection). */
const CLOCK_ORIGIN = Date.now();
const clock = (): number => Date.now() - CLOCK_ORIGIN;

/** Where a socket's 'close' listener (one shared function, not a closure per socket) finds its entry. */
const entries = new WeakMap<object, GuardEntry>();

function onGuardedSocketClose(this: Socket): void {
  entries.get(this)?.closed();
}

/**
 * One admitted connection. A plain object with methods: an open socket carries it for its whole
 * life, so it holds no timer and no closures (the deadline is the guard's one sweep).
 */
class GuardEntry implements GuardedConnection {
  #passed = false;
  #check: (() => boolean) | undefined;

  constructor(
    readonly guard: ConnectionGuard,
    readonly socket: Socket,
    readonly deadline: number,
  ) {}

  get passed(): boolean {
    return this.#passed;
  }

  pass(): void {
    this.#passed = true;
    this.guard.settled(this);
  }

  passWhen(condition: () => boolean): void {
    this.#check = condition;
  }

  /** At the deadline: whether the connection may stay. */
  survives(): boolean {
    return this.#passed || this.#check?.() === true;
  }

  closed(): void {
    this.guard.released(this);
  }
}

export class ConnectionGuard {
  readonly maxConnections: number;
  readonly handshakeTimeoutMs: number;
  private open = 0;
  private refused = 0;
  /** Connections still within their deadline, in admission (so deadline) order. */
  private readonly pending = new Set<GuardEntry>();
  /** One timer for all deadlines: it fires at the earliest and re-arms for the next. */
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ConnectionGuardOptions = {}) {
    this.maxConnections = positive('maxConnections', options.maxConnections, DEFAULT_MAX_CONNECTIONS);
    this.handshakeTimeoutMs = positive('handshakeTimeoutMs', options.handshakeTimeoutMs, DEFAULT_HANDSHAKE_TIMEOUT_MS);
  }

  get openConnections(): number {
    return this.open;
  }

  /** Counts a new socket; closes it and returns undefined when the port is full. */
  admit(socket: Socket): GuardedConnection | undefined {
    if (this.open >= this.maxConnections) {
      // Log the first refusal of a burst only; a flood must not flood the log as well.
      if (this.refused++ === 0) this.options.log?.(`${this.prefix()}connection cap ${this.maxConnections} reached; refusing new connections`);
      socket.on('error', () => undefined);
      socket.destroy();
      return undefined;
    }
    this.refused = 0;
    this.open++;
    const entry = new GuardEntry(this, socket, clock() + this.handshakeTimeoutMs);
    this.pending.add(entry);
    this.sweepTimer ??= this.arm(this.handshakeTimeoutMs);
    socket.on('close', onGuardedSocketClose);
    entries.set(socket, entry);
    return entry;
  }

  /** The guard entry of a socket (or a stream layered on it and registered with `track`). */
  of(socket: object | undefined): GuardedConnection | undefined {
    const entry = socket ? entries.get(socket) : undefined;
    return entry?.guard === this ? entry : undefined;
  }

  /** The admitted TCP socket under a stream layered on it (TLS, a replay stream), whose byte counts are the wire's. */
  socketOf(layer: object | undefined): Socket | undefined {
    const entry = layer ? entries.get(layer) : undefined;
    return entry?.guard === this ? entry.socket : undefined;
  }

  /** Lets a stream layered on an admitted socket (TLS, a replay stream) find its entry. */
  track(layer: Duplex, guarded: GuardedConnection | undefined): void {
    if (guarded instanceof GuardEntry && guarded.guard === this) entries.set(layer, guarded);
  }

  /** @internal The entry's handshake is done: no deadline any more. */
  settled(entry: GuardEntry): void {
    this.pending.delete(entry);
  }

  /** @internal The entry's socket closed. */
  released(entry: GuardEntry): void {
    this.open--;
    this.pending.delete(entry);
  }

  private arm(delayMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.sweep(), Math.max(0, delayMs));
    timer.unref();
    return timer;
  }

  private sweep(): void {
    this.sweepTimer = undefined;
    const now = clock();
    for (const entry of this.pending) {
      if (entry.deadline > now) {
        this.sweepTimer = this.arm(entry.deadline - now);
        return;
      }
      this.pending.delete(entry);
      if (entry.survives()) continue;
      this.options.log?.(`${this.prefix()}closing a connection that did not finish its handshake within ${this.handshakeTimeoutMs} ms`);
      entry.socket.destroy();
    }
  }

  private prefix(): string {
    return this.options.service ? `${this.options.service}: ` : '';
  }
}

export interface HttpGuardOptions {
  /** Count and cap the server's raw connections (default); off when a listener in front admits them. */
  admit?: boolean;
  /** An upgrade's headers complete the handshake (default); off when the protocol inside has its own. */
  passOnUpgrade?: boolean;
}

/**
 * Wires a guard into an `http`/`https` server: cap on raw connections, and the handshake is done
 * once a request's or an upgrade's headers arrived (what comes after is the service's own
 * timeouts' business). Call before `listen`.
 */
export function guardHttpServer(server: HttpServer, guard: ConnectionGuard, options: HttpGuardOptions = {}): void {
  if (options.admit !== false) {
    server.on('connection', (socket: Socket) => {
      guard.admit(socket);
    });
    // An https server emits 'connection' for the raw socket and serves requests on its TLS socket.
    server.on('secureConnection', (tlsSocket: Socket) => {
      const raw = (tlsSocket as unknown as { _parent?: Socket })._parent;
      guard.track(tlsSocket, guard.of(raw));
    });
  }
  const passRequest = (request: IncomingMessage): void => guard.of(request.socket)?.pass();
  server.on('request', passRequest);
  if (options.passOnUpgrade !== false) server.on('upgrade', passRequest);
}
