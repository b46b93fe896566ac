import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { reasonPhrase, rejectUpgrade as refuseUpgrade, replyText } from '../host/replies.js';
import { REJECTION_SINK, type RejectionReporting } from './rejections.js';

// Service-style error answers. The service puts a description with a tracking ID into the status
// line of failed handshakes (docs/protocol/relay.md §1.2), e.g. "Endpoint does not exist. TrackingId:…_G57,
// SystemTracker:sb://ns/path, Timestamp:2024-09-24T15:06:04" (seen in a .NET stack trace). The
// answers themselves are the host's (src/emulator/host/replies.ts); here they are also reported to
// the dashboard's rejection ring.

export function newTrackingId(): string {
  return `${randomUUID()}_G0`;
}

export function describeFailure(message: string, systemTracker: string, trackingId = newTrackingId()): string {
  const timestamp = new Date().toISOString().slice(0, 19);
  return `${message} TrackingId:${trackingId}, SystemTracker:${systemTracker}, Timestamp:${timestamp}`;
}

/** Fails a WebSocket upgrade with the description in the status line, as the service does. */
export function rejectUpgrade(socket: Duplex, status: number, description: string): void {
  if (socket.destroyed) return;
  (socket as RejectionReporting)[REJECTION_SINK]?.(status, reasonPhrase(description, status));
  refuseUpgrade(socket, status, description, { describeInStatusLine: true });
}

/** A service-originated HTTP answer (no Via: the sender can tell it did not come from the listener, docs/protocol/relay.md §1.5). */
export function replyHttp(res: ServerResponse, status: number, description: string, extraHeaders: Record<string, string> = {}): void {
  if (!res.headersSent) (res as RejectionReporting)[REJECTION_SINK]?.(status, reasonPhrase(description, status));
  replyText(res, status, description, extraHeaders);
}
