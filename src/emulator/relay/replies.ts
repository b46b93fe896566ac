import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { redactSecrets } from '../../core/errors.js';
import { REJECTION_SINK, type RejectionReporting } from './rejections.js';

// Service-style error answers. The service puts a description with a tracking ID into the status
// line of failed handshakes (docs/protocol/relay.md §1.2), e.g. "Endpoint does not exist. TrackingId:…_G57,
// SystemTracker:sb://ns/path, Timestamp:2024-09-24T15:06:04" (seen in a .NET stack trace).

export function newTrackingId(): string {
  return `${randomUUID()}_G0`;
}

export function describeFailure(message: string, systemTracker: string, trackingId = newTrackingId()): string {
  const timestamp = new Date().toISOString().slice(0, 19);
  return `${message} TrackingId:${trackingId}, SystemTracker:${systemTracker}, Timestamp:${timestamp}`;
}

/** A reason phrase must be one line of visible ASCII (RFC 9112 §4); secrets never go in it. */
export function reasonPhrase(text: string | undefined, status: number): string {
  const clean = redactSecrets(text ?? '').replace(/[^\x20-\x7e]/g, ' ').trim().slice(0, 512);
  return clean || STATUS_CODES[status] || 'Unknown';
}

/** Fails a WebSocket upgrade with a plain HTTP status; the socket is then closed. */
export function rejectUpgrade(socket: Duplex, status: number, description: string): void {
  if (socket.destroyed) return;
  const reason = reasonPhrase(description, status);
  (socket as RejectionReporting)[REJECTION_SINK]?.(status, reason);
  const body = `${reason}\n`;
  socket.on('error', () => {});
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
  // end() flushes; destroy soon after so half-open sockets cannot linger.
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** A service-originated HTTP answer (no Via: the sender can tell it did not come from the listener, docs/protocol/relay.md §1.5). */
export function replyHttp(res: ServerResponse, status: number, description: string, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const reason = reasonPhrase(description, status);
  (res as RejectionReporting)[REJECTION_SINK]?.(status, reason);
  const body = `${reason}\n`;
  res.writeHead(status, STATUS_CODES[status] ?? 'Unknown', {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...extraHeaders,
  });
  res.end(body);
}
