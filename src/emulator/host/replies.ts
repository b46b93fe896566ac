import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { redactSecrets } from '../../core/errors.js';

// Answers that end a request or an upgrade, shared by every emulator. A reason phrase is one line
// of visible ASCII (RFC 9112 §4) and never carries a secret; a refused upgrade's socket is
// destroyed soon after the answer is flushed, so half-open sockets cannot linger.

const DESTROY_AFTER_MS = 1000;

export function reasonPhrase(text: string | undefined, status: number): string {
  const clean = redactSecrets(text ?? '').replace(/[^\x20-\x7e]/g, ' ').trim().slice(0, 512);
  return clean || STATUS_CODES[status] || 'Unknown';
}

export interface RejectOptions {
  /** Put the description in the status line (Relay does, like the service) instead of the standard phrase. */
  describeInStatusLine?: boolean;
  contentType?: string;
  /** The body; default the description and a newline. */
  body?: string;
  headers?: Record<string, string>;
}

/** Fails a WebSocket upgrade with a plain HTTP answer, then closes the socket. */
export function rejectUpgrade(socket: Duplex, status: number, description = '', options: RejectOptions = {}): void {
  socket.on('error', () => socket.destroy());
  if (socket.destroyed) return;
  const reason = options.describeInStatusLine ? reasonPhrase(description, status) : (STATUS_CODES[status] ?? 'Unknown');
  const body = options.body ?? (description ? `${reasonPhrase(description, status)}\n` : '');
  const headers = {
    'Content-Type': options.contentType ?? 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
    ...options.headers,
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, ' ')}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${head}\r\n${body}`);
  setTimeout(() => socket.destroy(), DESTROY_AFTER_MS).unref();
}

/** A plain-text HTTP answer; a response already under way is cut instead. */
export function replyText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${reasonPhrase(text, status)}\n`;
  res.writeHead(status, STATUS_CODES[status] ?? 'Unknown', {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** A JSON HTTP answer. */
export function replyJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
