import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';

// AMQP over WebSocket (note §8): upgrade on `/$servicebus/websocket`, subprotocol `AMQPWSB10`
// echoed (browsers abort otherwise), any Origin accepted, binary frames carrying the raw AMQP
// byte stream including the SASL header.

export const AMQP_WEBSOCKET_PATH = '/$servicebus/websocket';
export const AMQP_WEBSOCKET_PROTOCOL = 'AMQPWSB10';

export function createAmqpUpgradeHandler(onSocket: (socket: import('ws').WebSocket, encrypted: boolean) => void) {
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: 2 * 1024 * 1024,
    handleProtocols: (protocols) => (protocols.has(AMQP_WEBSOCKET_PROTOCOL) ? AMQP_WEBSOCKET_PROTOCOL : false),
  });
  const handler = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Compared raw (either spelling of `$`), never decoded: a malformed escape must not throw here.
    const path = new URL(request.url ?? '/', 'http://emulator').pathname.toLowerCase().replace(/^\/%24/, '/$');
    if (path !== AMQP_WEBSOCKET_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    server.handleUpgrade(request, socket, head, (ws) => {
      ws.binaryType = 'nodebuffer';
      onSocket(ws, (socket as Duplex & { encrypted?: boolean }).encrypted === true);
    });
  };
  return { handler, close: () => server.close() };
}
