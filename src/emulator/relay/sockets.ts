import type { WebSocket } from 'ws';
import { closeReason, isSendableCloseCode } from '../close-frames.js';

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

export function frameBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
