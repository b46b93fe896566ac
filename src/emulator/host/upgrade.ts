import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { destroyOnError } from './socket-errors.js';

// The one WebSocket upgrade path of every emulator. It is close-safe (a client that hangs up, or a
// handshake `ws` refuses itself, settles the promise instead of leaving it pending), chooses the
// subprotocol per request, and hands the socket over synchronously: frames that arrived in the same
// TCP write as the upgrade are parsed on the next tick, before any awaiting code would run, so the
// service's listeners — and an error listener — must be in place inside the callback, or a malformed
// first frame would be an uncaught 'error' that ends the process.

export interface UpgradeOptions {
  /** The subprotocol to answer with (echoed in Sec-WebSocket-Protocol); none when undefined. */
  protocol?: string;
  /** Called synchronously with the open socket, before any frame is read: attach listeners here. */
  onOpen?(socket: WebSocket): void;
}

export interface Upgrader {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, options?: UpgradeOptions): Promise<WebSocket>;
  /** Every socket this upgrader opened and that is still open. */
  readonly clients: Set<WebSocket>;
  /** Terminates every open socket. */
  close(): void;
}

export interface UpgraderOptions {
  /** Largest frame or message accepted; a bigger one closes that socket with 1009. */
  maxPayload: number;
  /** Told about socket errors (one line each, no payload). */
  log?: (line: string) => void;
  /** Prefix for log lines. */
  service?: string;
}

export function createUpgrader(options: UpgraderOptions): Upgrader {
  const chosen = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: options.maxPayload,
    // Tracked below with one shared listener, not ws's closure per socket.
    clientTracking: false,
    handleProtocols: (_offered, req) => chosen.get(req) ?? false,
  });
  wss.on('error', (error) => options.log?.(`${options.service ?? 'emulator'}: websocket server error: ${error.message}`));
  // Listeners that stay on an open socket are shared functions made here, outside the upgrade's
  // closures: a closure there would keep the handshake's request, head and options alive as long
  // as the socket, and each one costs every idle connection memory.
  const clients = new Set<WebSocket>();
  const untrack = function (this: WebSocket): void {
    clients.delete(this);
  };
  // A protocol error (bad frame, oversize message) closes that socket only; ws has already sent
  // the close code, so all that is left is not to let the event escape. One listener function
  // for every socket of this upgrader (`this` is the socket).
  const closeOnProtocolError = function (this: WebSocket, error: Error): void {
    options.log?.(`${options.service ?? 'emulator'}: websocket closed on a protocol error: ${error.message}`);
    this.terminate();
  };
  const upgrade: Upgrader['upgrade'] = (req, socket, head, upgradeOptions = {}) =>
    new Promise((resolve, reject) => {
      if (upgradeOptions.protocol) chosen.set(req, upgradeOptions.protocol);
      // Until ws takes the socket over (listen.ts has put this listener on already when it serves).
      if (socket.listenerCount('error') === 0) socket.on('error', destroyOnError);
      if (socket.destroyed) {
        reject(new Error('the client closed the connection before the upgrade'));
        return;
      }
      let opened = false;
      let onClose: (() => void) | undefined;
      try {
        wss.handleUpgrade(req, socket, head, (ws) => {
          opened = true;
          if (onClose) socket.off('close', onClose);
          // ws destroys the socket on an error from now on.
          socket.off('error', destroyOnError);
          clients.add(ws);
          ws.on('close', untrack);
          ws.on('error', closeOnProtocolError);
          try {
            upgradeOptions.onOpen?.(ws);
          } catch (error) {
            ws.terminate();
            reject(error as Error);
            return;
          }
          resolve(ws);
        });
      } catch (error) {
        reject(error as Error);
        return;
      }
      // ws completes a handshake it accepts before handleUpgrade returns; one it refused has
      // destroyed the socket. Anything else settles when the socket closes.
      if (opened) return;
      const closedEarly = () => reject(new Error('the client closed the connection before the upgrade completed'));
      if (socket.destroyed) closedEarly();
      else socket.once('close', (onClose = closedEarly));
    });
  return {
    upgrade,
    clients,
    close: () => {
      for (const client of clients) client.terminate();
      wss.close();
    },
  };
}
