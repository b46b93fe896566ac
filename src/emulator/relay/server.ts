import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { redactSecrets } from '../../core/errors.js';
import { HTTP_RESPONSE_DEADLINE_MS, RENDEZVOUS_LIFETIME_MS } from '../../core/relay/protocol.js';
import { DEFAULT_HOST, EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../defaults.js';
import type { EmulatorServiceInfo, ListenOptions, RunningService } from '../types.js';
import { loadRelayConfig, type RelayEmulatorConfig } from './config.js';
import { createUpgrader, type RelayContext } from './context.js';
import { EntityRegistry } from './entities.js';
import { ExchangeTable } from './exchanges.js';
import { HttpFront } from './http-front.js';
import { RendezvousTable } from './rendezvous.js';
import { describeFailure, rejectUpgrade, replyHttp } from './replies.js';
import { generateCertificate, type TlsMaterial } from './tls.js';
import { routeUpgrade } from './upgrade-router.js';

export interface RelayEmulatorOptions extends ListenOptions {
  /** Entities and rules, or the path of a JSON file holding them. */
  config?: RelayEmulatorConfig | string;
  /** The HTTP response deadline; 60 s like the service (note §1.5). Shorten it for tests. */
  httpTimeoutMs?: number;
  /** How long a rendezvous address stays usable; ~30 s like the service (note §1.3). */
  rendezvousTimeoutMs?: number;
  /** Name of the default namespace when the config declares none (default `emulator`). */
  namespace?: string;
}

export interface RunningRelayEmulator extends RunningService {
  /** `ws` or `wss`: what the emulator speaks on its port. */
  readonly scheme: 'ws' | 'wss';
  /** PEM certificate when TLS is on, so clients can trust it without disabling verification. */
  readonly certificate: string | undefined;
  /** Host name of the default namespace (what tokens may name besides 127.0.0.1/localhost). */
  readonly namespaceHost: string;
  /** Deletes a hybrid connection: its listeners and connections close with 1001 (note §1.2). */
  deleteEntity(path: string, namespace?: string): boolean;
  listenerCount(path: string, namespace?: string): number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`expected ${name} > 0 ms, got ${value}`);
  return value;
}

export async function startRelayEmulator(options: RelayEmulatorOptions = {}): Promise<RunningRelayEmulator> {
  const log = options.log ? (line: string) => options.log!(redactSecrets(line)) : () => {};
  const namespaces = await loadRelayConfig(options.config, options.namespace);
  const registry = new EntityRegistry(namespaces);
  const host = options.host ?? DEFAULT_HOST;

  let tls: TlsMaterial | undefined;
  if (options.tls === true) tls = await generateCertificate(namespaces.map((ns) => ns.host));
  else if (options.tls) tls = options.tls;

  const { wss, upgrade } = createUpgrader();
  const rendezvous = new RendezvousTable();
  const ctx: RelayContext = {
    registry,
    rendezvous,
    exchanges: new ExchangeTable(),
    scheme: tls ? 'wss' : 'ws',
    rendezvousTimeoutMs: positive('rendezvousTimeoutMs', options.rendezvousTimeoutMs, RENDEZVOUS_LIFETIME_MS),
    httpTimeoutMs: positive('httpTimeoutMs', options.httpTimeoutMs, HTTP_RESPONSE_DEADLINE_MS),
    log,
    upgrade,
  };
  const front = new HttpFront(ctx);

  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }) : createHttpServer();
  // Nothing a client sends may take the emulator down: every handler's failure stays on its request.
  server.on('request', (req, res) => {
    front.handle(req, res).catch((error: Error) => {
      log(`relay: HTTP handler failed: ${error.message}`);
      replyHttp(res, 500, describeFailure('Internal error in the emulator.', 'relay'));
    });
  });
  server.on('upgrade', (req, socket, head) => {
    routeUpgrade(ctx, req, socket, head).catch((error: Error) => {
      log(`relay: upgrade handler failed: ${error.message}`);
      rejectUpgrade(socket, 500, describeFailure('Internal error in the emulator.', 'relay'));
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  wss.on('error', (error) => log(`relay: ws server error: ${error.message}`));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => log(`relay: server error: ${error.message}`));

  const port = (server.address() as AddressInfo).port;
  const reachableHost = host === '0.0.0.0' || host === '::' ? DEFAULT_HOST : host;
  const hostPort = reachableHost.includes(':') ? `[${reachableHost}]:${port}` : `${reachableHost}:${port}`;
  const connectionString = `Endpoint=sb://${hostPort}/;SharedAccessKeyName=${EMULATOR_KEY_NAME};SharedAccessKey=${EMULATOR_SAS_KEY};UseDevelopmentEmulator=true`;
  log(`relay: emulator listening on ${ctx.scheme}://${hostPort} (namespace ${registry.defaultNamespace.host})`);

  let closing: Promise<void> | undefined;
  const entityOf = (path: string, namespace?: string) => registry.find(namespace)?.entities.get(path.replace(/^\/+|\/+$/g, '').toLowerCase());
  return {
    host: reachableHost,
    port,
    connectionString,
    scheme: ctx.scheme,
    certificate: tls?.cert,
    namespaceHost: registry.defaultNamespace.host,
    info: (): EmulatorServiceInfo => ({
      connectionString,
      endpoint: `sb://${hostPort}/`,
      host: reachableHost,
      port,
      scheme: ctx.scheme,
      tls: tls !== undefined,
      namespace: registry.defaultNamespace.host,
    }),
    deleteEntity: (path, namespace) => registry.find(namespace)?.delete(path) ?? false,
    listenerCount: (path, namespace) => entityOf(path, namespace)?.listeners.size ?? 0,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        registry.terminateAll(1001, 'The emulator is shutting down');
        rendezvous.clear();
        for (const client of wss.clients) client.terminate();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
