import WebSocket from 'isomorphic-ws';
import type { WebSocketCtor } from '../core/transport.js';

// Node 20 has no global WebSocket; `ws` (through isomorphic-ws) also takes upgrade headers, which
// lets Relay send its token in the ServiceBusAuthorization header instead of the query.
export const NodeWebSocket = WebSocket as unknown as WebSocketCtor;
