import { RealtimeError, redactSecrets, type RealtimeErrorCode } from '../errors.js';
import { type SocketCloseEvent, type SocketLike, type SocketMessageEvent, type WebSocketCtor } from '../transport.js';
import type { Timers } from '../runtime-types.js';
import { closeQuietly, ignore } from './socket-close.js';

export { closeQuietly };

// Opening and closing sockets with typed errors. `ws` reports a failed handshake as
// "Unexpected server response: 404"; the W3C WebSocket reports nothing, so browsers only see
// 'unavailable' (docs/protocol/relay.md §1.2 lists the statuses).

export interface OpenSocketOptions {
  protocols?: string[];
  headers?: Record<string, string>;
  timeoutMs: number;
  timers: Timers;
}

const STATUS_CODES: Record<number, RealtimeErrorCode> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 408: 'timeout', 410: 'rejected', 504: 'timeout' };

export function handshakeError(url: string, event: unknown): RealtimeError {
  const text = String((event as { message?: unknown })?.message ?? (event as { error?: { message?: unknown } })?.error?.message ?? '');
  const match = /Unexpected server response: (\d{3})/.exec(text);
  const status = match ? Number(match[1]) : undefined;
  const code = status === undefined ? 'unavailable' : (STATUS_CODES[status] ?? 'service');
  const where = redactSecrets(url.replace(/\?.*$/, ''));
  return new RealtimeError(code, `relay handshake with ${where} failed${status ? `: HTTP ${status}` : ''}`, status === undefined ? {} : { status });
}

/** Close codes the service uses after setup (docs/protocol/relay.md §1.2, §1.3). */
export function closeError(what: string, event: SocketCloseEvent): RealtimeError {
  const code: RealtimeErrorCode = event.code === 1008 ? 'expired_token' : event.code === 1001 ? 'unavailable' : 'closed';
  const reason = event.reason ? `: ${redactSecrets(event.reason).slice(0, 200)}` : '';
  return new RealtimeError(code, `${what} closed with code ${event.code}${reason}`, { serviceCode: String(event.code) });
}


export function openSocket(WebSocket: WebSocketCtor, url: string, options: OpenSocketOptions): Promise<SocketLike> {
  return new Promise((resolve, reject) => {
    let socket: SocketLike;
    try {
      socket = options.headers ? new WebSocket(url, options.protocols, { headers: options.headers }) : new WebSocket(url, options.protocols);
    } catch (cause) {
      reject(new RealtimeError('unavailable', `could not open a WebSocket to ${redactSecrets(url.replace(/\?.*$/, ''))}`, { cause }));
      return;
    }
    socket.binaryType = 'arraybuffer';
    const timer = options.timers.setTimeout(() => fail(new RealtimeError('timeout', `relay handshake took over ${options.timeoutMs} ms`)), options.timeoutMs);
    const settle = () => {
      options.timers.clearTimeout(timer);
      socket.onopen = socket.onclose = null;
      // `ws` throws on an 'error' event with no listener, so never leave onerror empty.
      socket.onerror = ignore;
    };
    const fail = (error: RealtimeError) => {
      settle();
      closeQuietly(socket);
      reject(error);
    };
    socket.onopen = () => {
      settle();
      holdEarlyMessages(socket);
      resolve(socket);
    };
    socket.onerror = (event) => fail(handshakeError(url, event));
    socket.onclose = (event) => fail(handshakeError(url, event));
  });
}

// Frames that come with the 101 response can be dispatched before the promise continuation that
// attaches the caller's handlers: `ws` parses them on the next tick, Deno's global WebSocket from
// microtasks (the runtime smoke lost a greeting sent on accept about half the time). Messages are
// held until the caller assigns `onmessage`, then replayed in order.
const EARLY_MESSAGE_LIMIT = 1000;

function holdEarlyMessages(socket: SocketLike): void {
  const held: SocketMessageEvent[] = [];
  // A caller that only uses addEventListener never assigns onmessage: bound what is kept for it.
  const hold = (event: SocketMessageEvent) => void (held.length < EARLY_MESSAGE_LIMIT && held.push(event));
  socket.onmessage = hold;
  Object.defineProperty(socket, 'onmessage', {
    configurable: true,
    enumerable: true,
    get: () => hold,
    set: (handler: SocketLike['onmessage']) => {
      delete (socket as { onmessage?: unknown }).onmessage; // back to the socket's own property
      socket.onmessage = handler;
      if (handler) for (const event of held.splice(0)) handler.call(socket, event);
    },
  });
}
