import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { ConnectionGuard, GuardedConnection } from '../host/connection-guard.js';

// One port for every transport the SDK may use (docs/protocol/eventhubs.md §8): the first bytes of a
// connection tell `AMQP` (raw AMQP), 0x16 (a TLS handshake: AMQPS or WSS, sniffed again inside)
// and an HTTP method (a WebSocket upgrade). Anything else gets our AMQP header and is closed.
// The connection guard admits each socket (cap) and gives it its handshake deadline, which
// also covers a client that never sends the four bytes sniffed here.

export interface SniffHandlers {
  amqp(stream: Duplex, prefix: Buffer, encrypted: boolean, guarded: GuardedConnection | undefined): void;
  httpServer: HttpServer;
  guard: ConnectionGuard;
  onUnknown(stream: Duplex): void;
}

const SNIFF_BYTES = 4;

/** Replays the sniffed bytes, then passes the rest of the stream through; usable by http and tls. */
class ReplayStream extends Duplex {
  constructor(private readonly inner: Duplex, prefix: Buffer) {
    super();
    // Whoever reads this stream (http, tls) reports its errors; this keeps a late one from being uncaught.
    this.on('error', () => {});
    if (prefix.length > 0) this.push(prefix);
    inner.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (error) => this.destroy(error));
    inner.on('close', () => this.destroy());
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.inner.write(chunk, callback);
  }

  override _final(callback: () => void): void {
    this.inner.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner.destroy();
    callback(error);
  }

  // http and ws tune these on real sockets; nothing to tune on a relay.
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  get remoteAddress(): string | undefined {
    return (this.inner as Socket).remoteAddress;
  }
}

function isHttpMethod(bytes: Buffer): boolean {
  return /^(GET|POST|PUT|HEAD|OPTI|DELE|PATC|CONN)/.test(bytes.toString('latin1', 0, 4));
}

function sniff(stream: Duplex, handlers: SniffHandlers, tls: SecureContext | undefined, insideTls: boolean, guarded: GuardedConnection | undefined): void {
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    buffered = Buffer.concat([buffered, chunk]);
    if (buffered.length < SNIFF_BYTES && buffered[0] !== 0x16) return;
    stream.off('data', onData);
    stream.pause();
    const prefix = buffered;
    if (prefix.toString('latin1', 0, 4) === 'AMQP') {
      handlers.amqp(stream, prefix, insideTls, guarded);
    } else if (prefix[0] === 0x16 && tls && !insideTls) {
      const secure = new TLSSocket(new ReplayStream(stream, prefix), { isServer: true, secureContext: tls });
      secure.on('error', () => secure.destroy());
      sniff(secure, handlers, tls, true, guarded);
    } else if (isHttpMethod(prefix)) {
      const replay = new ReplayStream(stream, prefix);
      // Lets the upgrade handler tell ws from wss, as it would on a real TLS socket.
      Object.defineProperty(replay, 'encrypted', { value: insideTls });
      handlers.guard.track(replay, guarded);
      handlers.httpServer.emit('connection', replay);
    } else {
      handlers.onUnknown(stream);
    }
    stream.resume();
  };
  stream.on('data', onData);
  stream.on('error', () => stream.destroy());
}

export interface SniffingListener {
  server: NetServer;
  port: number;
  close(): Promise<void>;
}

export async function listenSniffing(
  host: string,
  port: number,
  handlers: Omit<SniffHandlers, 'httpServer' | 'guard'> & {
    onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
    onServerError?(error: Error): void;
  },
  tls: { cert: string; key: string } | undefined,
  guard: ConnectionGuard,
): Promise<SniffingListener> {
  const secureContext = tls ? createSecureContext({ cert: tls.cert, key: tls.key }) : undefined;
  const httpServer = createHttpServer((_request, response) => {
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('Event Hubs emulator: AMQP over WebSocket is served at /$servicebus/websocket.\n');
  });
  httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // The one place an upgrade enters: whatever the handler throws answers this socket only.
    try {
      handlers.onUpgrade(request, socket, head);
    } catch {
      if (!socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });
  httpServer.on('clientError', (_error, socket) => socket.destroy());
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    const guarded = guard.admit(socket);
    if (!guarded) return;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    sniff(socket, { ...handlers, httpServer, guard }, secureContext, false, guarded);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listening, errors (e.g. EMFILE on accept) are reported, never thrown.
  server.on('error', (error) => handlers.onServerError?.(error));
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        httpServer.close();
        server.close(() => resolve());
      }),
  };
}
