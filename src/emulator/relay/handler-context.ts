import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { ByteBudget } from '../../node/http-body.js';
import type { EntityRegistry } from './entities.js';
import type { ExchangeTable } from './exchanges.js';
import type { RendezvousTable } from './rendezvous.js';

// What every handler of the Relay emulator shares: its tables, its limits and the host's upgrader.
export interface RelayContext {
  registry: EntityRegistry;
  rendezvous: RendezvousTable;
  exchanges: ExchangeTable;
  scheme: 'ws' | 'wss';
  rendezvousTimeoutMs: number;
  httpTimeoutMs: number;
  /** A request body that makes no progress this long is answered 408 and its connection closed. */
  bodyIdleTimeoutMs: number;
  /** Largest HTTP request/response body of one exchange (→ 413 / 502). */
  httpBodyLimitBytes: number;
  /** Every HTTP body held at once (→ 503). */
  bodyBudget: ByteBudget;
  /** Bytes queued towards one listener socket past which it is closed as not reading (1008). */
  listenerBacklogBytes: number;
  log(line: string): void;
  /**
   * Completes a WebSocket upgrade, answering with `protocol` when given. The socket comes back
   * paused, with an error handler already on it: the caller attaches its own handlers, then calls
   * `ws.resume()`, so nothing that arrived with the handshake is emitted before anyone listens.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, protocol?: string): Promise<WebSocket>;
}

/** Largest frame accepted from anyone: big enough for any rendezvous body, small enough to bound memory. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
