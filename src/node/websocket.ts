import WebSocket from 'isomorphic-ws';
import type { WebSocketCtor } from '../core/transport.js';

// Node 20 has no global WebSocket; `ws` (through isomorphic-ws) also takes upgrade headers, which
// lets Relay send its token in the ServiceBusAuthorization header instead of the query.

interface Corkable {
  cork(): void;
  uncork(): void;
}

const uncork = (raw: Corkable, socket: BatchingWebSocket) => {
  socket.corkedUntilTick = false;
  raw.uncork();
};

/**
 * `ws` with `batch()` (transport.ts SocketLike): frames sent inside it leave together with every
 * other batch of the same tick, in one write. `ws` writes each frame to the TCP socket at once, a
 * system call each; a relayed HTTP response is two frames (the `response` message and its body),
 * and a listener answering many requests that arrived in one read answers them all in one tick
 * (their handlers resolve as microtasks). So the first batch of a tick corks ws's TCP socket and
 * a `process.nextTick` (which runs once the microtasks are drained) uncorks it: one `writev` for
 * all, as node:http does for a response.
 */
class BatchingWebSocket extends WebSocket {
  corkedUntilTick = false;

  batch(sends: () => void): void {
    // `_socket` is ws's own net.Socket (there is no public handle); without one, sends run as they are.
    const raw = (this as unknown as { _socket?: Partial<Corkable> })._socket;
    if (typeof raw?.cork !== 'function' || typeof raw.uncork !== 'function') return sends();
    if (!this.corkedUntilTick) {
      this.corkedUntilTick = true;
      raw.cork();
      process.nextTick(uncork, raw, this);
    }
    sends();
  }
}

export const NodeWebSocket = BatchingWebSocket as unknown as WebSocketCtor;
