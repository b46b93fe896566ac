import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { resolveTlsMaterial } from '../tls.js';
import { WebSocketServer } from 'ws';
import { DEFAULT_HOST, EMULATOR_WEBPUBSUB_ACCESS_KEY } from '../defaults.js';
import { authority, serviceLog } from '../service-address.js';
import type { RunningService } from '../types.js';
import { ClientConnection } from './client-connection.js';
import { CHOSEN_SUBPROTOCOL, handleClientUpgrade, rejectUpgrade, type HandshakeEnvironment } from './handshake.js';
import { HubRegistry } from './hub-state.js';
import type { ConnectionCounters } from './connection-types.js';
import { loadHubSettings, resolveLimits, type WebPubSubEmulatorOptions } from './options.js';
import { MAX_BODY_BYTES, sendError } from './rest-http.js';
import { handleRest } from './rest-router.js';
import { RECOVERY_WINDOW_MS } from './reliable.js';
import { Upstream } from './upstream.js';
import { createWebPubSubInspector, type WebPubSubInspector } from './snapshot.js';
import { ConnectionGuard, guardHttpServer } from '../host/connection-guard.js';

// One HTTP(S) server: the data-plane REST API under /api and client WebSockets under /client.

export interface RunningWebPubSubEmulator extends RunningService {
  /** `http(s)://host:port` as in the connection string. */
  readonly endpoint: string;
  readonly accessKey: string;
  /** PEM certificate when serving TLS (generated with `tls: true`), for clients to trust. */
  readonly certificate: string | undefined;
  /** Test hook: drops a client's socket without a close frame, as a network failure does. */
  dropConnection(hub: string, connectionId: string): boolean;
  /** Test hook: connection ids currently known on a hub (including reliable ones awaiting recovery). */
  connectionIds(hub: string): string[];
  /** Hubs held in memory (those with connections) and what the limits made the emulator do. */
  stats(): WebPubSubEmulatorStats;
  /** Read-only view and the send/close actions for the dashboard (snapshot.ts); starts the message tail. */
  inspect(): WebPubSubInspector;
}

export interface WebPubSubEmulatorStats extends ConnectionCounters {
  hubs: number;
}

async function createServer(tls: WebPubSubEmulatorOptions['tls']): Promise<{ server: Server; scheme: 'http' | 'https'; certificate?: string }> {
  const credentials = await resolveTlsMaterial(tls);
  if (!credentials) return { server: createHttpServer(), scheme: 'http' };
  return { server: createHttpsServer(credentials), scheme: 'https', certificate: credentials.cert };
}

export async function startWebPubSubEmulator(options: WebPubSubEmulatorOptions = {}): Promise<RunningWebPubSubEmulator> {
  const log = serviceLog(options.log);
  const accessKey = options.accessKey ?? EMULATOR_WEBPUBSUB_ACCESS_KEY;
  const hubSettings = loadHubSettings(options);
  const settingsFor = (hub: string) => hubSettings.get(hub.toLowerCase()) ?? hubSettings.get('*');
  const hubs = new HubRegistry();
  const limits = resolveLimits(options.limits);
  const counters: ConnectionCounters = { slowClientsClosed: 0, upstreamQueueOverflows: 0 };
  const { server, scheme, certificate } = await createServer(options.tls);
  // Connection cap and request/upgrade deadline for the port (issue 10 #10).
  guardHttpServer(server, new ConnectionGuard({ maxConnections: limits.maxConnections, handshakeTimeoutMs: limits.handshakeTimeoutMs, log, service: 'webpubsub' }));
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_BODY_BYTES,
    perMessageDeflate: false,
    handleProtocols: (_protocols, request) => (request as IncomingMessage & { [CHOSEN_SUBPROTOCOL]?: string | false })[CHOSEN_SUBPROTOCOL] ?? false,
  });

  const host = options.host ?? DEFAULT_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const endpoint = `${scheme}://${authority(host, port)}`;
  const upstream = new Upstream(settingsFor, accessKey, authority(host, port), log);
  const env: HandshakeEnvironment = { wss, hubs, upstream, accessKey, port, settingsFor, recoveryWindowMs: options.recoveryWindowMs ?? RECOVERY_WINDOW_MS, limits, counters, log };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // An emulator extension: CORS on every answer so browser code (tests, the demo) can call the
    // REST API directly; the service's REST API is meant for servers holding the key.
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-expose-headers', 'x-ms-error-code, retry-after');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'authorization, content-type',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    let url: URL;
    try {
      url = new URL(`${endpoint}${req.url?.startsWith('/') ? req.url : `/${req.url ?? ''}`}`);
    } catch {
      return sendError(res, 400, 'InvalidArgument', 'Malformed request URL');
    }
    if (url.pathname.startsWith('/api/')) {
      void handleRest(req, res, url, { hubs, accessKey, endpoint, port, log });
    } else if (/^\/client(\/|$)/i.test(url.pathname)) {
      sendError(res, 426, 'UpgradeRequired', 'Client endpoints take WebSocket connections');
    } else {
      sendError(res, 404, 'NotFound', 'No such resource');
    }
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined); // a client vanishing mid-handshake must not crash the emulator
    handleClientUpgrade(env, req, socket, head).catch((error: unknown) => {
      log(`webpubsub: handshake failed: ${(error as Error)?.message ?? String(error)}`);
      rejectUpgrade(socket, 500);
    });
  });
  log(`webpubsub: emulator listening on ${endpoint}`);

  const connectionString = `Endpoint=${endpoint};AccessKey=${accessKey};Version=1.0;`;
  return {
    host,
    port,
    endpoint,
    accessKey,
    certificate,
    connectionString,
    info: () => ({ connectionString, endpoint }),
    dropConnection: (hub, connectionId) => hubs.find(hub)?.connections.get(connectionId)?.drop() ?? false,
    connectionIds: (hub) => [...(hubs.find(hub)?.connections.keys() ?? [])],
    stats: () => ({ hubs: hubs.size, ...counters }),
    inspect: () => createWebPubSubInspector(hubs, [...hubSettings.keys()], counters),
    close: async () => {
      for (const hub of hubs.all()) {
        for (const connection of [...hub.connections.values()]) {
          if (connection instanceof ClientConnection) connection.close('Service is shutting down');
        }
      }
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
