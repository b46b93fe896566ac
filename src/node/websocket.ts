import WebSocket from 'isomorphic-ws';
import type { WebSocketCtor } from '../core/transport.js';

// Node 20 has no global WebSocket; `ws` (through isomorphic-ws) also takes upgrade headers, which
// lets Relay send its token in the ServiceBusAuthorization header instead of the query.

interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * `ws` with `batch()` (transport.ts SocketLike): frames sent inside it leave in one write. `ws`
 * writes each frame to the TCP socket at once, a system call each; a relayed HTTP response is two
 * frames (the `response` message and its body), so corking them halves the listener's writes.
 */
class BatchingWebSocket extends WebSocket {
  batch(sends: () => void): void {
    // `_socket` is ws's own net.Socket (there is no public handle); without one, sends run as they are.
    const raw = (this as unknown as { _socket?: Partial<Corkable> })._socket;
    if (typeof raw?.cork !== 'function' || typeof raw.uncork !== 'function') return sends();
    raw.cork();
    try {
      sends();
    } finally {
      raw.uncork();
    }
  }
}

export const NodeWebSocket = BatchingWebSocket as unknown as WebSocketCtor;
