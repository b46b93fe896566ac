import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { safeDecodeURIComponent as safeDecode } from '../../core/encoding.js';
import { isHcParameter } from '../../core/relay/wire-rules.js';
import type { BodyBudget } from './body-budget.js';
import type { EntityRegistry } from './entities.js';
import type { ExchangeTable } from './exchanges.js';
import type { RendezvousTable } from './rendezvous.js';

// What every handler of the emulator shares.
export interface RelayContext {
  registry: EntityRegistry;
  rendezvous: RendezvousTable;
  exchanges: ExchangeTable;
  scheme: 'ws' | 'wss';
  rendezvousTimeoutMs: number;
  httpTimeoutMs: number;
  /** Largest HTTP request/response body of one exchange (→ 413 / 502). */
  httpBodyLimitBytes: number;
  /** Every HTTP body held at once (→ 503). */
  bodyBudget: BodyBudget;
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

/** A `ws` server without its own HTTP server; the chosen subprotocol is decided per request. */
export function createUpgrader(): { wss: WebSocketServer; upgrade: RelayContext['upgrade'] } {
  const chosen = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: MAX_FRAME_BYTES,
    clientTracking: true,
    handleProtocols: (_offered, req) => chosen.get(req) ?? false,
  });
  const upgrade: RelayContext['upgrade'] = (req, socket, head, protocol) =>
    new Promise((resolve, reject) => {
      if (protocol) chosen.set(req, protocol);
      if (socket.destroyed) {
        reject(new Error('socket closed before the upgrade'));
        return;
      }
      // ws answers a bad handshake (e.g. a wrong Sec-WebSocket-Version) itself and never calls
      // back; the socket closing is then the only signal, so the promise settles on it.
      const onClose = () => reject(new Error('socket closed before the upgrade completed'));
      socket.once('close', onClose);
      try {
        wss.handleUpgrade(req, socket, head, (ws) => {
          socket.off('close', onClose);
          // Bytes sent in the same write as the handshake are already buffered, and ws parses them
          // on the next tick, before a promise continuation runs: without these two lines a bad
          // frame there is an 'error' with no listener (process exit) and a good one is lost.
          ws.on('error', () => {});
          ws.pause();
          resolve(ws);
        });
      } catch (error) {
        socket.off('close', onClose);
        reject(error);
      }
    });
  return { wss, upgrade };
}

/** Headers as the peer sent them (original case), repeated names joined with ", ". */
export function rawHeaderMap(req: IncomingMessage, drop: (lowerName: string) => boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    const lower = name.toLowerCase();
    if (drop(lower)) continue;
    const existing = seen.get(lower);
    if (existing === undefined) {
      seen.set(lower, name);
      headers[name] = value;
    } else {
      headers[existing] = `${headers[existing]}, ${value}`;
    }
  }
  return headers;
}

/** The app's raw query string with every sb-hc-* parameter removed, other bytes untouched (docs/protocol/relay.md §1.1). */
export function appQuery(rawQuery: string): string {
  return rawQuery
    .split('&')
    .filter((part) => part !== '' && !isHcParameter(safeDecode(part.split('=')[0]!)))
    .join('&');
}

/** The raw query of a request target, without the '?'. */
export function rawQueryOf(target: string | undefined): string {
  const at = (target ?? '').indexOf('?');
  return at < 0 ? '' : (target ?? '').slice(at + 1);
}
