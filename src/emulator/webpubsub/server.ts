import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveTlsMaterial } from '../tls.js';
import { DEFAULT_HOST, EMULATOR_WEBPUBSUB_ACCESS_KEY } from '../defaults.js';
import { listen } from '../host/listen.js';
import { rejectUpgrade } from '../host/replies.js';
import type { ServiceRoutes } from '../host/routes.js';
import { createUpgrader } from '../host/upgrade.js';
import { authority, serviceLog } from '../service-address.js';
import type { RunningService } from '../types.js';
import { ClientConnection } from './client-connection.js';
import { handleClientUpgrade, type HandshakeEnvironment } from './handshake.js';
import { HubRegistry } from './hub-state.js';
import type { ConnectionCounters } from './connection-types.js';
import { loadHubSettings, resolveLimits, type WebPubSubEmulatorOptions } from './options.js';
import { MAX_BODY_BYTES, sendError } from './rest-http.js';
import { handleRest, type RestRouterOptions } from './rest-router.js';
import { RECOVERY_WINDOW_MS } from './reliable.js';
import { Upstream } from './upstream.js';
import type { JwtPayload } from '../../core/jwt.js';
import { VerifiedTokens } from '../host/verified-tokens.js';
import { createWebPubSubInspector, type WebPubSubInspector } from './snapshot.js';

// The Web PubSub emulator as a service of the host (src/emulator/host/): one HTTP(S) port with the
// data-plane REST API under /api and client WebSockets under /client.

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

/** An emulator extension: CORS on every answer so browser code (tests, the demo) can call the REST API directly. */
function allowCors(req: IncomingMessage, res: ServerResponse): boolean {
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-expose-headers', 'x-ms-error-code, retry-after');
  if (req.method !== 'OPTIONS') return false;
  res.writeHead(204, {
    'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE',
    'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'authorization, content-type',
    'access-control-max-age': '600',
  });
  res.end();
  return true;
}

export async function startWebPubSubEmulator(options: WebPubSubEmulatorOptions = {}): Promise<RunningWebPubSubEmulator> {
  const log = serviceLog(options.log);
  const accessKey = options.accessKey ?? EMULATOR_WEBPUBSUB_ACCESS_KEY;
  const hubSettings = loadHubSettings(options);
  const settingsFor = (hub: string) => hubSettings.get(hub.toLowerCase()) ?? hubSettings.get('*');
  const hubs = new HubRegistry();
  const limits = resolveLimits(options.limits);
  const counters: ConnectionCounters = { slowClientsClosed: 0, upstreamQueueOverflows: 0 };
  const tls = await resolveTlsMaterial(options.tls);
  const scheme = tls ? 'https' : 'http';
  const upgrader = createUpgrader({ maxPayload: MAX_BODY_BYTES, log, service: 'webpubsub' });
  const host = options.host ?? DEFAULT_HOST;
  // Known once the port is: the routes run only after listen() resolved.
  let env: HandshakeEnvironment;
  let rest: RestRouterOptions;
  let endpoint: string;

  const routes: ServiceRoutes = {
    request: (req, res) => {
      if (allowCors(req, res)) return;
      let url: URL;
      try {
        url = new URL(`${endpoint}${req.url?.startsWith('/') ? req.url : `/${req.url ?? ''}`}`);
      } catch {
        return sendError(res, 400, 'InvalidArgument', 'Malformed request URL');
      }
      if (url.pathname.startsWith('/api/')) return handleRest(req, res, url, rest);
      if (/^\/client(\/|$)/i.test(url.pathname)) return sendError(res, 426, 'UpgradeRequired', 'Client endpoints take WebSocket connections');
      return sendError(res, 404, 'NotFound', 'No such resource');
    },
    upgrade: (req, socket, head) => handleClientUpgrade(env, req, socket, head),
    requestFailed: (res) => sendError(res, 500, 'InternalServerError', 'Internal server error'),
    upgradeFailed: (socket) => rejectUpgrade(socket, 500),
  };
  // Connection cap and request/upgrade deadline for the port (issue 10 #10).
  const listening = await listen({ service: 'webpubsub', host, port: options.port ?? 0, ...(tls ? { tls } : {}), maxConnections: limits.maxConnections, handshakeTimeoutMs: limits.handshakeTimeoutMs, bodyIdleTimeoutMs: limits.bodyIdleTimeoutMs, log, routes });
  const port = listening.port;
  endpoint = `${scheme}://${authority(host, port)}`;
  const upstream = new Upstream(settingsFor, accessKey, authority(host, port), log);
  env = { upgrader, hubs, upstream, accessKey, port, settingsFor, recoveryWindowMs: options.recoveryWindowMs ?? RECOVERY_WINDOW_MS, limits, counters, log };
  rest = { hubs, accessKey, endpoint, port, bodyIdleTimeoutMs: limits.bodyIdleTimeoutMs, verifiedTokens: new VerifiedTokens<JwtPayload>(), log };
  log(`webpubsub: emulator listening on ${endpoint}`);

  const connectionString = `Endpoint=${endpoint};AccessKey=${accessKey};Version=1.0;`;
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    endpoint,
    accessKey,
    certificate: tls?.cert,
    connectionString,
    info: () => ({ connectionString, endpoint }),
    dropConnection: (hub, connectionId) => hubs.find(hub)?.connections.get(connectionId)?.drop() ?? false,
    connectionIds: (hub) => [...(hubs.find(hub)?.connections.keys() ?? [])],
    stats: () => ({ hubs: hubs.size, ...counters }),
    inspect: () => createWebPubSubInspector(hubs, [...hubSettings.keys()], counters),
    close: () =>
      (closing ??= (async () => {
        for (const hub of hubs.all()) {
          for (const connection of [...hub.connections.values()]) {
            if (connection instanceof ClientConnection) connection.close('Service is shutting down');
          }
        }
        upgrader.close();
        await listening.close();
      })()),
  };
}
