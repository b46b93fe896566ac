import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GuardedConnection } from './connection-guard.js';

// The contract a service implements to be served by the host (listen.ts): its routes. A service
// declares what it answers — HTTP requests, upgrades, raw protocols known by their first bytes —
// and the host does the listening, TLS, admission, deadlines and closing.

/** One accepted connection, as a raw protocol or an upgrade sees it. */
export interface ConnectionInfo {
  /** True when the bytes arrived through TLS (AMQPS, wss, SASL_SSL). */
  encrypted: boolean;
  /** The connection's handshake-deadline entry; the service passes it once its protocol is authorized. */
  guarded: GuardedConnection | undefined;
  /** The peer's address, for logs and protocol fields that carry it (Kafka's client host). */
  remoteAddress: string | undefined;
}

/** A protocol recognised by the first bytes a client sends (AMQP's `AMQP` header, a Kafka frame). */
export interface RawRoute {
  /** For log lines. */
  name: string;
  /** True when these first bytes (up to 4; fewer only if the client sent fewer and paused) start this protocol. */
  matches(prefix: Buffer): boolean;
  /** Takes the stream over; `prefix` holds the bytes read to recognise it, not replayed on `stream`. */
  serve(stream: Duplex, prefix: Buffer, connection: ConnectionInfo): void;
}

export interface ServiceRoutes {
  /** Plain HTTP requests. A throw or rejection is logged and answered with 500. */
  request?(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
  /** Upgrade requests (WebSockets). A throw or rejection is logged and the upgrade refused with 500. */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, connection: ConnectionInfo): void | Promise<void>;
  /**
   * When an upgrade's handshake counts as done for the deadline: `headers` (default) once its
   * request headers arrived; `service` when the protocol inside has a handshake of its own (AMQP
   * over WebSocket: open and authorize), which the service then passes through `guarded`.
   */
  upgradeHandshake?: 'headers' | 'service';
  /**
   * Protocols recognised by their first bytes, tried in order before HTTP. Any raw route makes
   * the port a sniffing listener: TLS (first byte 0x16) is unwrapped and sniffed again inside.
   */
  raw?: readonly RawRoute[];
  /** Bytes no route recognised; default: the connection is closed. */
  unrecognised?(stream: Duplex): void;
  /** The service's own 500 answers, e.g. with its error body; defaults are plain text. */
  requestFailed?(res: ServerResponse, error: Error): void;
  upgradeFailed?(socket: Duplex, error: Error): void;
}
