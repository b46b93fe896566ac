import type { IncomingMessage, ServerResponse, Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { replyText } from './replies.js';

// Deadlines for HTTP requests after their headers (the connection guard's deadline ends there):
//  - a body that makes no progress for `bodyIdleTimeoutMs` is answered 408 and its connection
//    closed, whether a route is reading it or nobody is (a route that answered without reading it
//    leaves Node draining it, which a stalled client holds for good). Routes that read bodies pass
//    the same time to src/node/http-body.ts, which answers first in the service's own shape; this
//    watch is the backstop for every request of the port;
//  - Node's own timeouts, set explicitly: headersTimeout (the headers of later requests on a
//    kept-alive connection, which the guard no longer watches) = the handshake deadline, and
//    requestTimeout (a whole request, however it trickles) = 5 minutes (Node's default).

export const DEFAULT_BODY_IDLE_TIMEOUT_MS = 30_000;
/** Node's own default, written down: a whole request must arrive within it, however it trickles. */
export const REQUEST_TIMEOUT_MS = 300_000;

/** Sets Node's header and whole-request deadlines on an HTTP server (see above). */
export function setRequestTimeouts(server: HttpServer, handshakeTimeoutMs: number): void {
  server.headersTimeout = handshakeTimeoutMs;
  // Node refuses a headersTimeout above requestTimeout.
  server.requestTimeout = Math.max(REQUEST_TIMEOUT_MS, handshakeTimeoutMs);
}

/** Node's check of those two runs on this interval (a createServer option): well inside the handshake deadline. */
export function connectionsCheckingInterval(handshakeTimeoutMs: number): number {
  return Math.min(30_000, Math.max(250, Math.floor(handshakeTimeoutMs / 4)));
}

interface Progress {
  bytes: number;
  since: number;
}

export class StalledBodyWatch {
  readonly idleMs: number;
  /** Requests unfinished once the read that brought their headers was parsed. */
  private readonly requests = new Map<IncomingMessage, ServerResponse>();
  /**
   * Requests of this turn of the event loop, sorted after it: most arrive whole in one read, and
   * holding every one until a sweep kept a second of requests alive (old-generation garbage).
   */
  private fresh: Array<IncomingMessage | ServerResponse> = [];
  private sorting = false;
  /** Only for requests found unfinished by a sweep: most requests are complete before one. */
  private readonly progress = new WeakMap<IncomingMessage, Progress>();
  private readonly periodMs: number;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param wireOf the TCP socket under a request's socket: a sniffed connection's HTTP runs on a
   *   replay stream (and maybe TLS), which count no bytes of their own.
   */
  constructor(
    idleMs: number | undefined,
    private readonly log: (line: string) => void,
    private readonly service: string,
    private readonly wireOf: (socket: Socket) => Socket = (socket) => socket,
  ) {
    if (idleMs !== undefined && (!Number.isFinite(idleMs) || idleMs <= 0)) throw new RangeError(`expected bodyIdleTimeoutMs to be a positive number, got ${String(idleMs)}`);
    this.idleMs = idleMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS;
    this.periodMs = Math.min(1000, Math.max(10, Math.floor(this.idleMs / 4)));
  }

  /** Every request of the port comes through here once its headers are in. */
  watch(req: IncomingMessage, res: ServerResponse): void {
    this.fresh.push(req, res);
    if (this.sorting) return;
    this.sorting = true;
    setImmediate(() => this.sortFresh());
  }

  /** How many requests the watch holds (unfinished ones, plus this turn's not yet sorted). */
  get watching(): number {
    return this.requests.size + this.fresh.length / 2;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.requests.clear();
    this.fresh = [];
  }

  private sortFresh(): void {
    const fresh = this.fresh;
    this.fresh = [];
    this.sorting = false;
    for (let i = 0; i < fresh.length; i += 2) {
      const req = fresh[i] as IncomingMessage;
      if (req.complete || !req.socket || req.socket.destroyed) continue;
      this.requests.set(req, fresh[i + 1] as ServerResponse);
    }
    if (this.requests.size > 0 && !this.timer) {
      this.timer = setInterval(() => this.sweep(), this.periodMs);
      this.timer.unref();
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [req, res] of this.requests) {
      const socket = req.socket as Socket | null;
      if (req.complete || !socket || socket.destroyed) {
        this.requests.delete(req);
        continue;
      }
      const seen = this.progress.get(req);
      const bytes = this.wireOf(socket).bytesRead;
      // Bytes the route has not taken yet: the wait is on our side, not the client's.
      if (!seen || bytes !== seen.bytes || req.readableLength > 0) {
        this.progress.set(req, { bytes, since: now });
        continue;
      }
      // One sweep period of slack: a route reading the body with the same idle time answers first.
      if (now - seen.since < this.idleMs + this.periodMs) continue;
      this.requests.delete(req);
      this.log(`${this.service}: closing a request whose body made no progress for ${this.idleMs} ms`);
      if (res.headersSent) {
        socket.destroy();
        continue;
      }
      // Connection: close makes Node end and then destroy the socket once the answer is out.
      replyText(res, 408, `The request body made no progress for ${this.idleMs} ms.`, { Connection: 'close' });
    }
    if (this.requests.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
