import { SocketState, type SocketLike } from '../transport.js';

// Closing a socket without throwing, apart from opening one (sockets.ts): the listener closes its
// sockets from code a page loads up front, while dialing loads on first use.

export const ignore = () => {};

/** Closes without throwing: browsers reject codes other than 1000 and 3000–4999. */
export function closeQuietly(socket: SocketLike, code = 1000, reason = ''): void {
  socket.onerror ??= ignore;
  if (socket.readyState === SocketState.CLOSED || socket.readyState === SocketState.CLOSING) return;
  try {
    socket.close(code, reason);
  } catch {
    try {
      socket.close();
    } catch {
      // already gone
    }
  }
}
