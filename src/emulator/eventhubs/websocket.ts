import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

// AMQP over WebSocket (docs/protocol/eventhubs.md §8): upgrade on `/$servicebus/websocket`, subprotocol `AMQPWSB10`
// echoed (browsers abort otherwise), any Origin accepted, binary frames carrying the raw AMQP
// byte stream including the SASL header.

export const AMQP_WEBSOCKET_PATH = '/$servicebus/websocket';
export const AMQP_WEBSOCKET_PROTOCOL = 'AMQPWSB10';

const REPLY = {
  400: 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
  404: 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
} as const;

/** Answers an upgrade we will not take and closes that socket only; never throws. */
function refuse(socket: Duplex, status: keyof typeof REPLY): void {
  try {
    if (!socket.destroyed) socket.end(REPLY[status]);
  } catch {
    socket.destroy();
  }
}

/**
 * The request target's path, compared raw (either spelling of `$`), never decoded; `undefined`
 * when it is not a path at all (`//`, `http://[`, …), which `new URL` would throw on.
 */
function requestPath(target: string | undefined): string | undefined {
  let path: string;
  if (target?.startsWith('/') && !target.startsWith('//')) {
    path = target.split(/[?#]/, 1)[0]!;
  } else if (target && /^https?:\/\//i.test(target)) {
    // absolute-form (RFC 9112 §3.2.2), which proxies send
    if (!URL.canParse(target)) return undefined;
    path = new URL(target).pathname;
  } else {
    return undefined;
  }
  return path.toLowerCase().replace(/^\/%24/, '/$');
}

export function createAmqpUpgradeHandler(onSocket: (socket: WebSocket, encrypted: boolean, upgraded: Duplex) => void) {
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: 2 * 1024 * 1024,
    handleProtocols: (protocols) => (protocols.has(AMQP_WEBSOCKET_PROTOCOL) ? AMQP_WEBSOCKET_PROTOCOL : false),
  });
  const handler = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Close-safe from here on: anything thrown while looking at a client's request is a 400 for it.
    socket.on('error', () => undefined);
    try {
      const path = requestPath(request.url);
      if (path === undefined) return refuse(socket, 400);
      if (path !== AMQP_WEBSOCKET_PATH) return refuse(socket, 404);
      server.handleUpgrade(request, socket, head, (ws) => {
        ws.binaryType = 'nodebuffer';
        onSocket(ws, (socket as Duplex & { encrypted?: boolean }).encrypted === true, socket);
      });
    } catch {
      refuse(socket, 400);
    }
  };
  return { handler, close: () => server.close() };
}
