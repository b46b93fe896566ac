import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

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
    clientTracking: true,
    handleProtocols: (_offered, req) => chosen.get(req) ?? false,
  });
  wss.on('error', (error) => options.log?.(`${options.service ?? 'emulator'}: websocket server error: ${error.message}`));
  const upgrade: Upgrader['upgrade'] = (req, socket, head, upgradeOptions = {}) =>
    new Promise((resolve, reject) => {
      if (upgradeOptions.protocol) chosen.set(req, upgradeOptions.protocol);
      socket.on('error', () => socket.destroy());
      if (socket.destroyed) {
        reject(new Error('the client closed the connection before the upgrade'));
        return;
      }
      const onClose = () => reject(new Error('the client closed the connection before the upgrade completed'));
      socket.once('close', onClose);
      try {
        wss.handleUpgrade(req, socket, head, (ws) => {
          socket.off('close', onClose);
          // A protocol error (bad frame, oversize message) closes this socket only; ws has already
          // sent the close code, so all that is left is not to let the event escape.
          ws.on('error', (error) => {
            options.log?.(`${options.service ?? 'emulator'}: websocket closed on a protocol error: ${error.message}`);
            ws.terminate();
          });
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
        socket.off('close', onClose);
        reject(error as Error);
      }
    });
  return {
    upgrade,
    clients: wss.clients,
    close: () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
