import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext } from 'node:tls';
import { DEFAULT_HOST } from '../defaults.js';
import { ConnectionGuard, guardHttpServer } from './connection-guard.js';
import { rejectUpgrade, replyText } from './replies.js';
import type { ConnectionInfo, ServiceRoutes } from './routes.js';
import { sniff } from './sniff.js';
import { connectionsCheckingInterval, setRequestTimeouts, StalledBodyWatch } from './stalled-bodies.js';
import { destroyOnError } from './socket-errors.js';

// The listening half of the host: one port serving one service's routes (routes.ts). Without raw
// routes it is an HTTP(S) server; with them a TCP listener that sniffs each connection's first
// bytes (sniff.ts). Either way: port 0 for a free port, the bind address, TLS, the connection
// guard (cap + handshake deadline), deadlines for what follows the headers (stalled-bodies.ts), a
// handler's failure kept to its own request, and an idempotent close that also ends every open
// connection.

export interface ListenSpec {
  /** Prefix of log lines, e.g. `relay`. */
  service: string;
  /** Bind address; default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  tls?: { cert: string; key: string };
  /** Open connections on this port; more are closed on arrival (connection-guard.ts default). */
  maxConnections?: number;
  /** Time a connection has to finish its handshake (connection-guard.ts default). */
  handshakeTimeoutMs?: number;
  /** Time a request body may make no progress before it is answered 408 and closed (stalled-bodies.ts default). */
  bodyIdleTimeoutMs?: number;
  log?: (line: string) => void;
  routes: ServiceRoutes;
}

export interface Listening {
  readonly port: number;
  readonly guard: ConnectionGuard;
  /** Stops listening and ends every open connection; safe to call more than once. */
  close(): Promise<void>;
}

/** Calls a route; a throw or a rejection goes to `failed`, never out of the server. */
function shielded<A extends unknown[]>(run: (...args: A) => void | Promise<void>, failed: (error: Error, ...args: A) => void): (...args: A) => void {
  const fail = (error: unknown, args: A) => failed(error instanceof Error ? error : new Error(String(error)), ...args);
  return (...args: A) => {
    try {
      const result = run(...args);
      if (result) result.catch((error: unknown) => fail(error, args));
    } catch (error) {
      fail(error, args);
    }
  };
}

function connectionOf(socket: Duplex, guard: ConnectionGuard): ConnectionInfo {
  return {
    encrypted: (socket as Duplex & { encrypted?: boolean }).encrypted === true,
    guarded: guard.of(socket),
    // Read when asked: Node caches the peer address on the socket, for its whole life, once read.
    get remoteAddress() {
      return (socket as Socket).remoteAddress;
    },
  };
}

/** Puts the service's HTTP and upgrade routes on a server. */
function serveHttp(server: HttpServer, spec: ListenSpec, guard: ConnectionGuard, bodies: StalledBodyWatch, log: (line: string) => void): void {
  const { routes, service } = spec;
  const request = routes.request ?? ((_req: IncomingMessage, res: ServerResponse) => replyText(res, 404, 'Not found'));
  setRequestTimeouts(server, guard.handshakeTimeoutMs);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => bodies.watch(req, res));
  server.on(
    'request',
    shielded(request, (error, _req, res) => {
      log(`${service}: HTTP handler failed: ${error.message}`);
      if (routes.requestFailed) routes.requestFailed(res, error);
      else replyText(res, 500, 'Internal error in the emulator.');
    }),
  );
  const upgrade = routes.upgrade ?? ((_req: IncomingMessage, socket: Duplex) => rejectUpgrade(socket, 404));
  const onUpgrade = shielded(upgrade, (error, _req, socket) => {
    log(`${service}: upgrade handler failed: ${error.message}`);
    if (routes.upgradeFailed) routes.upgradeFailed(socket, error);
    else rejectUpgrade(socket, 500);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client vanishing mid-handshake must not be an uncaught error.
    socket.on('error', destroyOnError);
    onUpgrade(req, socket, head, connectionOf(socket, guard));
  });
  // A request Node cannot parse closes that connection only; one past Node's requestTimeout
  // (stalled-bodies.ts) is told so first, as Node would without this listener.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && socket.writable && !(socket as { _httpMessage?: ServerResponse })._httpMessage?.headersSent) {
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
    socket.destroy();
  });
}

/** Listens on `host:port` (0: a free one) and resolves with the port; a failure to bind rejects. */
function bindServer(server: NetServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function listen(spec: ListenSpec): Promise<Listening> {
  const log = spec.log ?? (() => undefined);
  const guard = new ConnectionGuard({
    ...(spec.maxConnections !== undefined ? { maxConnections: spec.maxConnections } : {}),
    ...(spec.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: spec.handshakeTimeoutMs } : {}),
    log,
    service: spec.service,
  });
  const bodies = new StalledBodyWatch(spec.bodyIdleTimeoutMs, log, spec.service, (socket) => guard.socketOf(socket) ?? socket);
  const httpOptions = { connectionsCheckingInterval: connectionsCheckingInterval(guard.handshakeTimeoutMs) };
  const passOnUpgrade = spec.routes.upgradeHandshake !== 'service';
  const sniffing = (spec.routes.raw?.length ?? 0) > 0;
  let server: NetServer;
  let httpServer: HttpServer | undefined;
  const sockets = new Set<Duplex>();
  if (sniffing) {
    const hasHttp = spec.routes.request !== undefined || spec.routes.upgrade !== undefined;
    if (hasHttp) {
      httpServer = createHttpServer(httpOptions);
      // Node starts tracking connections for headersTimeout / requestTimeout when its server
      // listens; this one never does (connections are handed to it), so it is told it is listening.
      httpServer.emit('listening');
      guardHttpServer(httpServer, guard, { admit: false, passOnUpgrade });
      serveHttp(httpServer, spec, guard, bodies, log);
    }
    const targets = {
      raw: spec.routes.raw!,
      http: httpServer,
      tls: spec.tls ? createSecureContext({ cert: spec.tls.cert, key: spec.tls.key }) : undefined,
      guard,
      unrecognised: spec.routes.unrecognised ?? ((stream: Duplex) => stream.destroy()),
    };
    server = createNetServer((socket) => {
      const guarded = guard.admit(socket);
      if (!guarded) return;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.setNoDelay(true);
      sniff(socket, targets, guarded, socket.remoteAddress);
    });
  } else {
    httpServer = spec.tls ? createHttpsServer({ ...httpOptions, cert: spec.tls.cert, key: spec.tls.key }) : createHttpServer(httpOptions);
    guardHttpServer(httpServer, guard, { passOnUpgrade });
    serveHttp(httpServer, spec, guard, bodies, log);
    server = httpServer;
  }
  const port = await bindServer(server, spec.port ?? 0, spec.host ?? DEFAULT_HOST);
  // After listening, errors (e.g. EMFILE on accept) are reported, never thrown.
  server.on('error', (error) => log(`${spec.service}: server error: ${error.message}`));

  let closing: Promise<void> | undefined;
  return {
    port,
    guard,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        bodies.stop();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        httpServer?.closeAllConnections();
        if (httpServer !== server) httpServer?.close();
      })),
  };
}
