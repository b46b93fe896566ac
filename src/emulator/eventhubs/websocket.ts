import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { rejectUpgrade } from '../host/replies.js';
import type { ConnectionInfo } from '../host/routes.js';
import { createUpgrader } from '../host/upgrade.js';

// AMQP over WebSocket (docs/protocol/eventhubs.md §8): upgrade on `/$servicebus/websocket`, subprotocol `AMQPWSB10`
// echoed (browsers abort otherwise), any Origin accepted, binary frames carrying the raw AMQP
// byte stream including the SASL header. The upgrade itself is the host's (src/emulator/host/upgrade.ts).

export const AMQP_WEBSOCKET_PATH = '/$servicebus/websocket';
export const AMQP_WEBSOCKET_PROTOCOL = 'AMQPWSB10';
/** Largest WebSocket message: an AMQP frame is at most 1 MiB here (amqp-service.ts), with room for framing. */
const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

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

function offersAmqp(request: IncomingMessage): boolean {
  return (request.headers['sec-websocket-protocol'] ?? '').split(',').some((offered) => offered.trim() === AMQP_WEBSOCKET_PROTOCOL);
}

/** The upgrade route of the Event Hubs port; `onSocket` runs before the first frame is read. */
export function createAmqpUpgradeHandler(onSocket: (socket: WebSocket, connection: ConnectionInfo) => void, log: (line: string) => void) {
  const upgrader = createUpgrader({ maxPayload: MAX_MESSAGE_BYTES, log, service: 'eventhubs' });
  const handler = (request: IncomingMessage, socket: Duplex, head: Buffer, connection: ConnectionInfo): void => {
    const path = requestPath(request.url);
    if (path === undefined) return rejectUpgrade(socket, 400);
    if (path !== AMQP_WEBSOCKET_PATH) return rejectUpgrade(socket, 404);
    void upgrader
      .upgrade(request, socket, head, {
        ...(offersAmqp(request) ? { protocol: AMQP_WEBSOCKET_PROTOCOL } : {}),
        onOpen: (ws) => {
          ws.binaryType = 'nodebuffer';
          onSocket(ws, connection);
        },
      })
      .catch((error: Error) => log(`eventhubs: WebSocket upgrade not completed: ${error.message}`));
  };
  return { handler, close: () => upgrader.close() };
}
