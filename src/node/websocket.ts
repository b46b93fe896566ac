import WebSocket from 'isomorphic-ws';
import type { WebSocketCtor } from '../core/transport.js';

// Node 20 has no global WebSocket; `ws` (through isomorphic-ws) also takes upgrade headers, which
// lets Relay send its token in the ServiceBusAuthorization header instead of the query.

interface Corkable {
  cork(): void;
  uncork(): void;
}

/** What of ws's own Sender this reads: whether frames are queued behind a compression or a Blob read. */
interface SenderState {
  _state: number;
  _queue: unknown[];
  sendFrame(list: Buffer[]): void;
}

interface FrameOptions {
  fin: boolean;
  mask: boolean;
  opcode: number;
  readOnly: boolean;
  rsv1: boolean;
}

// ws's public `WebSocket.Sender` (its framing, masking with bufferutil when installed); @types/ws omits it.
const frame = (WebSocket as unknown as { Sender?: { frame(data: Buffer, options: FrameOptions): Buffer[] } }).Sender?.frame;

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

  /**
   * Sends `bytes` as one binary message, masking them in place: the caller gives them up (the
   * relay listener's joined response body, or one a byte stream transferred to it). `send()` must
   * leave the caller's bytes alone, so ws masks a copy: a second allocation of the body's size per
   * client frame (bench/profiles/relay-http.md, 1 MB). Falls back to `send()` unless ws would
   * write the frame at once (open, nothing queued in its sender).
   */
  sendOwned(bytes: Uint8Array): void {
    const sender = (this as unknown as { _sender?: SenderState })._sender;
    if (!frame || this.readyState !== WebSocket.OPEN || !sender || sender._state !== 0 || sender._queue.length > 0) return this.send(bytes);
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // readOnly: false is what lets ws mask `data` itself instead of a copy of it.
    sender.sendFrame(frame(data, { fin: true, mask: true, opcode: 2, readOnly: false, rsv1: false }));
  }
}

export const NodeWebSocket = BatchingWebSocket as unknown as WebSocketCtor;
