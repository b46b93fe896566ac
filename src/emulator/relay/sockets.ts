import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { closeReason, isSendableCloseCode } from '../close-frames.js';
import { frameHeaderLength, OPCODE_BINARY, writeFrameHeader } from '../ws-frame.js';

// Small helpers for `ws` sockets the emulator owns.

/** Closes with a code, then cuts the TCP connection if the peer never answers the close. */
export function closeSocket(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === ws.CLOSED) return;
  try {
    if (ws.readyState === ws.CONNECTING) {
      ws.terminate();
      return;
    }
    ws.close(isSendableCloseCode(code) ? code : 1011, closeReason(reason));
  } catch {
    ws.terminate();
    return;
  }
  setTimeout(() => {
    if (ws.readyState !== ws.CLOSED) ws.terminate();
  }, 2000).unref();
}

/** What the emulator queues towards one listener socket before it counts as not reading (default). */
export const DEFAULT_LISTENER_BACKLOG_BYTES = 16 * 1024 * 1024;

/**
 * Sends unless more than `backlogBytes` is still queued towards this peer: a listener that stops
 * reading would otherwise make the emulator hold every request sent to it. Such a socket is
 * closed with 1008 (the service "MAY block" listeners that keep failing to respond, docs/protocol/relay.md §1.5 [U]).
 * Returns false when the frame was not sent.
 */
export function sendBounded(ws: WebSocket, data: string | Uint8Array, backlogBytes: number): boolean {
  if (ws.readyState !== ws.OPEN) return false;
  if (ws.bufferedAmount > backlogBytes) {
    closeSocket(ws, 1008, 'The listener is not reading: too much is queued towards it');
    return false;
  }
  ws.send(data, { binary: typeof data !== 'string' });
  return true;
}

/**
 * Runs `send` with the socket's stream corked, so the frames it sends (a request and its body)
 * leave in one write instead of one per frame.
 */
export function corked(stream: Duplex, send: () => void): void {
  stream.cork();
  try {
    send();
  } finally {
    stream.uncork();
  }
}

const corkedForTurn = new WeakSet<Duplex>();

function uncorkTurn(stream: Duplex): void {
  corkedForTurn.delete(stream);
  stream.uncork();
}

/**
 * Runs `send` with the stream corked until the event loop's check phase (setImmediate): what is
 * sent to one peer in one turn leaves in one write. HTTP requests for one listener arrive on many
 * sender connections, each read in a callback of its own; a tick-long cork (process.nextTick)
 * would still cost a write per request, this one costs one per poll (bench/profiles/relay-http.md).
 */
export function corkedUntilCheck(stream: Duplex, send: () => void): void {
  if (!corkedForTurn.has(stream)) {
    corkedForTurn.add(stream);
    stream.cork();
    setImmediate(uncorkTurn, stream);
  }
  send();
}

/** A body in the pieces it arrived in. */
export interface RequestBody {
  readonly chunks: readonly Uint8Array[];
  readonly length: number;
}

/**
 * Sends `body` as one binary message without joining its chunks: the frame header, then each
 * chunk, on the stream the socket was upgraded on. ws queues nothing of its own on these sockets
 * (no permessage-deflate, no Blob sends), so this keeps its place among ws's frames.
 */
export function sendChunks(ws: WebSocket, stream: Duplex, body: RequestBody): void {
  if (ws.readyState !== ws.OPEN) return;
  const header = Buffer.allocUnsafe(frameHeaderLength(body.length));
  writeFrameHeader(header, 0, OPCODE_BINARY, body.length);
  corked(stream, () => {
    stream.write(header);
    for (const chunk of body.chunks) stream.write(chunk);
  });
}

export function frameBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
