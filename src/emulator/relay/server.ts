import { formatServiceBusConnectionString } from '../../core/connection-string.js';
import { authority, reachableHost, serviceLog } from '../service-address.js';
import { HTTP_RESPONSE_DEADLINE_MS, RENDEZVOUS_LIFETIME_MS } from '../../core/relay/protocol.js';
import { ByteBudget } from '../../node/http-body.js';
import { DEFAULT_HOST, EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../defaults.js';
import { listen, type Listening } from '../host/listen.js';
import { DEFAULT_BODY_IDLE_TIMEOUT_MS } from '../host/stalled-bodies.js';
import type { ServiceRoutes } from '../host/routes.js';
import { createUpgrader } from '../host/upgrade.js';
import type { EmulatorServiceInfo, ListenOptions, RunningService } from '../types.js';
import { loadRelayConfig, type RelayEmulatorConfig } from './config.js';
import { EntityRegistry } from './entities.js';
import { ExchangeTable } from './exchanges.js';
import { MAX_FRAME_BYTES, type RelayContext } from './handler-context.js';
import { DEFAULT_HTTP_BODY_BUDGET_BYTES, DEFAULT_HTTP_BODY_LIMIT_BYTES, HttpFront } from './http-front.js';
import { RendezvousTable } from './rendezvous.js';
import { describeFailure, rejectUpgrade, replyHttp } from './replies.js';
import { resolveTlsMaterial } from '../tls.js';
import { DEFAULT_LISTENER_BACKLOG_BYTES } from './sockets.js';
import { routeUpgrade } from './upgrade-router.js';
import { RejectionRing } from './rejections.js';
import { createRelayInspector, type RelayInspector } from './snapshot.js';

// The Relay emulator as a service of the host (src/emulator/host/): its routes on the main port
// (HTTP front door, `$hc` upgrades) and on the rendezvous port (accept/request addresses only).

export interface RelayEmulatorOptions extends ListenOptions {
  /** Entities and rules, or the path of a JSON file holding them. */
  config?: RelayEmulatorConfig | string;
  /** The HTTP response deadline; 60 s like the service (docs/protocol/relay.md §1.5). Shorten it for tests. */
  httpTimeoutMs?: number;
  /** Largest HTTP request (→ 413) or response (→ 502) body of one exchange; default 64 MiB. */
  httpBodyLimitBytes?: number;
  /** All HTTP bodies the emulator holds at once; a request past it gets 503 unread. Default 256 MiB. */
  httpBodyBudgetBytes?: number;
  /** Bytes queued towards one listener socket past which it counts as not reading and is closed with 1008; default 16 MiB. */
  listenerBacklogBytes?: number;
  /** How long a rendezvous address stays usable; ~30 s like the service (docs/protocol/relay.md §1.3). */
  rendezvousTimeoutMs?: number;
  /** Name of the default namespace when the config declares none (default `emulator`). */
  namespace?: string;
  /**
   * Where accept/request rendezvous addresses point. The service hands out another gateway host
   * (docs/protocol/relay.md §1.3), and browsers allow one CONNECTING WebSocket per IP:port, so by default (0) a
   * second free port on the same host serves them; a number picks that port; `'same'` serves
   * them on the main port.
   */
  rendezvousPort?: number | 'same';
  /** Open connections per port; more are closed on arrival. Default 10,000 (src/emulator/host/connection-guard.ts). */
  maxConnections?: number;
  /** Time a connection has to send a complete request or upgrade; default 30 s. */
  handshakeTimeoutMs?: number;
  /** Time a request body may make no progress before it is answered 408 and its connection closed; default 30 s. */
  bodyIdleTimeoutMs?: number;
}

export interface RunningRelayEmulator extends RunningService {
  /** The port rendezvous addresses point at (equal to `port` with `rendezvousPort: 'same'`). */
  readonly rendezvousPort: number;
  /** `ws` or `wss`: what the emulator speaks on its port. */
  readonly scheme: 'ws' | 'wss';
  /** PEM certificate when TLS is on, so clients can trust it without disabling verification. */
  readonly certificate: string | undefined;
  /** Host name of the default namespace (what tokens may name besides 127.0.0.1/localhost). */
  readonly namespaceHost: string;
  /** Deletes a hybrid connection: its listeners and connections close with 1001 (docs/protocol/relay.md §1.2). */
  deleteEntity(path: string, namespace?: string): boolean;
  listenerCount(path: string, namespace?: string): number;
  /** Read-only view for the dashboard (snapshot.ts): entities, listeners, bridges, recent rejections. */
  inspect(): RelayInspector;
}

function checkedRendezvousPort(value: number | 'same' | undefined): number | 'same' {
  if (value === undefined || value === 'same') return value ?? 0;
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new RangeError(`expected rendezvousPort to be a port 0-65535 or 'same', got ${String(value)}`);
  return value;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`expected ${name} > 0, got ${value}`);
  return value;
}

export async function startRelayEmulator(options: RelayEmulatorOptions = {}): Promise<RunningRelayEmulator> {
  const log = serviceLog(options.log);
  const namespaces = await loadRelayConfig(options.config, options.namespace);
  const registry = new EntityRegistry(namespaces);
  const host = options.host ?? DEFAULT_HOST;

  const tls = await resolveTlsMaterial(options.tls, namespaces.map((ns) => ns.host));

  const upgrader = createUpgrader({ maxPayload: MAX_FRAME_BYTES, log, service: 'relay' });
  const rendezvous = new RendezvousTable();
  const ctx: RelayContext = {
    registry,
    rendezvous,
    exchanges: new ExchangeTable(),
    scheme: tls ? 'wss' : 'ws',
    rendezvousTimeoutMs: positive('rendezvousTimeoutMs', options.rendezvousTimeoutMs, RENDEZVOUS_LIFETIME_MS),
    httpTimeoutMs: positive('httpTimeoutMs', options.httpTimeoutMs, HTTP_RESPONSE_DEADLINE_MS),
    bodyIdleTimeoutMs: positive('bodyIdleTimeoutMs', options.bodyIdleTimeoutMs, DEFAULT_BODY_IDLE_TIMEOUT_MS),
    httpBodyLimitBytes: positive('httpBodyLimitBytes', options.httpBodyLimitBytes, DEFAULT_HTTP_BODY_LIMIT_BYTES),
    listenerBacklogBytes: positive('listenerBacklogBytes', options.listenerBacklogBytes, DEFAULT_LISTENER_BACKLOG_BYTES),
    bodyBudget: new ByteBudget(positive('httpBodyBudgetBytes', options.httpBodyBudgetBytes, DEFAULT_HTTP_BODY_BUDGET_BYTES)),
    log,
    // Paused, so that the caller's handlers are on before anything that came with the handshake is read.
    upgrade: (req, socket, head, protocol) => upgrader.upgrade(req, socket, head, { ...(protocol ? { protocol } : {}), onOpen: (ws) => ws.pause() }),
  };
  const front = new HttpFront(ctx);
  const rejections = new RejectionRing();
  const rendezvousPortOption = checkedRendezvousPort(options.rendezvousPort);

  // Nothing a client sends may take the emulator down: every handler's failure stays on its request.
  const failures: Pick<ServiceRoutes, 'requestFailed' | 'upgradeFailed'> = {
    requestFailed: (res) => replyHttp(res, 500, describeFailure('Internal error in the emulator.', 'relay')),
    upgradeFailed: (socket) => rejectUpgrade(socket, 500, describeFailure('Internal error in the emulator.', 'relay')),
  };
  const mainRoutes: ServiceRoutes = {
    request: (req, res) => {
      rejections.watch(req, res, 'http');
      return front.handle(req, res);
    },
    upgrade: (req, socket, head) => {
      rejections.watch(req, socket, 'websocket');
      return routeUpgrade(ctx, req, socket, head);
    },
    ...failures,
  };
  const rendezvousRoutes: ServiceRoutes = {
    request: (_req, res) => replyHttp(res, 404, describeFailure('This address serves rendezvous WebSocket addresses only.', 'relay')),
    upgrade: (req, socket, head) => {
      rejections.watch(req, socket, 'websocket');
      return routeUpgrade(ctx, req, socket, head, true);
    },
    ...failures,
  };
  // Connection cap and request/upgrade deadline, per port (issue 10 #10).
  const listenSpec = { service: 'relay', host, ...(tls ? { tls } : {}), maxConnections: options.maxConnections, handshakeTimeoutMs: options.handshakeTimeoutMs, bodyIdleTimeoutMs: ctx.bodyIdleTimeoutMs, log };
  const main = await listen({ ...listenSpec, port: options.port ?? 0, routes: mainRoutes });
  const port = main.port;
  let rendezvousPort = port;
  let rendezvousListening: Listening | undefined;
  if (rendezvousPortOption !== 'same') {
    try {
      rendezvousListening = await listen({ ...listenSpec, port: rendezvousPortOption, routes: rendezvousRoutes });
    } catch (error) {
      await main.close();
      throw error;
    }
    rendezvousPort = rendezvousListening.port;
    rendezvous.port = rendezvousPort;
  }

  const hostPort = authority(host, port);
  const connectionString = formatServiceBusConnectionString({ endpoint: `sb://${hostPort}/`, sharedAccessKeyName: EMULATOR_KEY_NAME, sharedAccessKey: EMULATOR_SAS_KEY, useDevelopmentEmulator: true });
  log(`relay: emulator listening on ${ctx.scheme}://${hostPort}, rendezvous on port ${rendezvousPort} (namespace ${registry.defaultNamespace.host})`);

  let closing: Promise<void> | undefined;
  const entityOf = (path: string, namespace?: string) => registry.find(namespace)?.entities.get(path.replace(/^\/+|\/+$/g, '').toLowerCase());
  return {
    host: reachableHost(host),
    port,
    rendezvousPort,
    connectionString,
    scheme: ctx.scheme,
    certificate: tls?.cert,
    namespaceHost: registry.defaultNamespace.host,
    info: (): EmulatorServiceInfo => ({
      connectionString,
      endpoint: `sb://${hostPort}/`,
      host: reachableHost(host),
      port,
      rendezvousPort,
      scheme: ctx.scheme,
      tls: tls !== undefined,
      namespace: registry.defaultNamespace.host,
    }),
    deleteEntity: (path, namespace) => registry.find(namespace)?.delete(path) ?? false,
    listenerCount: (path, namespace) => entityOf(path, namespace)?.listeners.size ?? 0,
    inspect: () => createRelayInspector(registry, rejections),
    close: () =>
      (closing ??= (async () => {
        registry.terminateAll(1001, 'The emulator is shutting down');
        rendezvous.clear();
        upgrader.close();
        await Promise.all([main.close(), rendezvousListening?.close()]);
      })()),
  };
}
