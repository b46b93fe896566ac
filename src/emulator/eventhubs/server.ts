import { DEFAULT_HOST, EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../defaults.js';
import { authority as dialAuthority, reachableHost, serviceLog } from '../service-address.js';
import type { EmulatorServiceInfo, ListenOptions, RunningService } from '../types.js';
import { startAzurite, type RunningAzurite } from '../azurite.js';
import { listen, type Listening } from '../host/listen.js';
import { rejectUpgrade, replyText } from '../host/replies.js';
import { EventHubsAmqpService, MAX_FRAME_SIZE } from './amqp-service.js';
import { rejectTextFrame, serveAmqp, streamTransport, webSocketTransport, type WireLimits } from './amqp-socket.js';
import { DEFAULT_OPEN_LINK_LIMITS } from './open-links.js';
import { CbsAuthority, type SharedAccessPolicy } from './cbs.js';
import { loadEventHubsConfig, resolveNamespace, resolvePolicies, type EventHubsEmulatorConfig } from './config.js';
import { EventHubsNamespace } from './namespace.js';
import { EventHubsDataDir } from './log/data-dir.js';
import { DEFAULT_MAX_LOG_BYTES_PER_PARTITION } from './log/memory-log.js';
import type { FsyncPolicy } from './log/group-commit.js';
import { resolveTlsMaterial } from '../tls.js';
import { startKafkaEndpoint, type KafkaEndpoint, type KafkaEndpointLimits } from './kafka/server.js';
import { DEFAULT_MAX_OUTBOUND_BYTES } from './outbound-budget.js';
import { routeRheaConsole } from './rhea-console.js';
import { MAX_MESSAGE_SIZE } from './sender-link.js';
import { createAmqpUpgradeHandler } from './websocket.js';
import { createEventHubsInspector, type EventHubsInspector } from './snapshot.js';

// Starts the Event Hubs emulator, a service of the host (src/emulator/host/): AMQP (bare or SASL),
// AMQPS, and AMQP over ws/wss, all on one sniffing port (raw AMQP route, WebSocket upgrade route);
// the log in memory or under `dataDir`; optionally Kafka on a port of its own, and Azurite beside
// it for checkpoints.

export interface EventHubsEmulatorOptions extends ListenOptions {
  /** Hubs to serve, or a path to a JSON file (ours or Microsoft's Config.json). Default: `eh1`, 4 partitions. */
  config?: EventHubsEmulatorConfig | string;
  /** Append-only event log on disk; a restart with the same directory serves the same events. */
  dataDir?: string;
  /** When an event written to `dataDir` counts as durable (log/group-commit.ts). Default `batch`. */
  fsync?: FsyncPolicy;
  /** Accept any CBS token and skip claim checks, as Microsoft's Docker emulator does. */
  acceptAnyToken?: boolean;
  /**
   * Shared access policies besides RootManageSharedAccessKey, added to the config's
   * `authorizationRules`: `{ name, key | primaryKey, secondaryKey?, rights }` (src/emulator/host/sas-rules.ts).
   */
  policies?: SharedAccessPolicy[];
  /** Also start Azurite (blob) for checkpoint stores. */
  azurite?: boolean | { port?: number; location?: string };
  /** Also serve Kafka (SASL_PLAINTEXT, and SASL_SSL with `tls`) on this port, over the same hubs; 0 picks a free port. */
  kafkaPort?: number;
  /** Limits of the Kafka endpoint (docs/eventhubs-emulator.md, "Kafka"). */
  kafkaLimits?: KafkaEndpointLimits;
  /** Protective limits; the defaults are far above what a developer's traffic reaches (docs/eventhubs-emulator.md, "Limits"). */
  limits?: EventHubsLimits;
}

export interface EventHubsLimits {
  /** Open connections on the port; more are closed on arrival. Default 10,000. */
  maxConnections?: number;
  /** Time to open the connection and authorize it (CBS token or SASL PLAIN); default 30,000 ms. */
  handshakeTimeoutMs?: number;
  /** An HTTP request body on the port (WebSocket upgrades carry none) that makes no progress this long gets 408; default 30,000 ms. */
  bodyIdleTimeoutMs?: number;
  /** Largest message, counted over the frames of a delivery as they arrive; default 1 MiB (the service's). */
  maxMessageBytes?: number;
  /** Bytes of unfinished multi-frame deliveries one connection may hold over all its links; default 64 MiB. */
  maxPendingTransferBytesPerConnection?: number;
  /** Unsent bytes per connection before consumer links pause until the socket drains; default 4 MiB. */
  maxOutboundBytesPerConnection?: number;
  /** Sessions, and links, a connection may open before it holds a grant; default 8 (open-links.ts). */
  maxLinksBeforeAuthorization?: number;
  /** Sessions per authorized connection; default 5,000 (channel-max 4999). */
  maxSessionsPerConnection?: number;
  /** Links per authorized connection; default 5,000. */
  maxLinksPerConnection?: number;
  /** Message bytes each partition keeps in memory; past it the oldest events go as retention drops them. Default 256 MiB. */
  maxLogBytesPerPartition?: number;
}

export const DEFAULT_MAX_PENDING_TRANSFER_BYTES = 64 * 1024 * 1024;

function wireLimits(limits: EventHubsLimits = {}): WireLimits & { maxLogBytesPerPartition: number } {
  const positive = (name: keyof EventHubsLimits, fallback: number): number => {
    const value = limits[name];
    if (value === undefined) return fallback;
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`expected limits.${name} to be a positive number, got ${String(value)}`);
    return value;
  };
  return {
    maxFrameSize: MAX_FRAME_SIZE,
    maxMessageBytes: positive('maxMessageBytes', MAX_MESSAGE_SIZE),
    maxPendingBytes: positive('maxPendingTransferBytesPerConnection', DEFAULT_MAX_PENDING_TRANSFER_BYTES),
    maxOutboundBytes: positive('maxOutboundBytesPerConnection', DEFAULT_MAX_OUTBOUND_BYTES),
    maxLinksBeforeAuthorization: positive('maxLinksBeforeAuthorization', DEFAULT_OPEN_LINK_LIMITS.maxLinksBeforeAuthorization),
    maxSessions: positive('maxSessionsPerConnection', DEFAULT_OPEN_LINK_LIMITS.maxSessions),
    maxLinks: positive('maxLinksPerConnection', DEFAULT_OPEN_LINK_LIMITS.maxLinks),
    maxLogBytesPerPartition: positive('maxLogBytesPerPartition', DEFAULT_MAX_LOG_BYTES_PER_PARTITION),
  };
}

export interface EventHubsEmulatorInfo extends EmulatorServiceInfo {
  connectionString: string;
  hubs: string[];
  azurite?: { connectionString: string; blobEndpoint: string };
  /** With `kafkaPort`: SASL PLAIN username `$ConnectionString`, password the connection string. */
  kafka?: { bootstrapServers: string; saslUsername: string; saslPassword: string };
}

export interface RunningEventHubsEmulator extends RunningService {
  info(): EventHubsEmulatorInfo;
  readonly namespace: EventHubsNamespace;
  /** PEM of the TLS certificate when TLS is on, to trust it with `ca`. */
  readonly certificate?: string;
  /** Read-only view and the send action for the dashboard (snapshot.ts). */
  inspect(): EventHubsInspector;
}

export async function startEventHubsEmulator(options: EventHubsEmulatorOptions = {}): Promise<RunningEventHubsEmulator> {
  const host = options.host ?? DEFAULT_HOST;
  const limits = wireLimits(options.limits);
  const log = serviceLog(options.log);
  const config = loadEventHubsConfig(options.config);
  const definition = resolveNamespace(config);
  const rules = resolvePolicies(config, options.policies);
  // TLS before the data dir: a failure here must not leave the data dir locked.
  const tls = await resolveTlsMaterial(options.tls);
  const dataDir = options.dataDir ? new EventHubsDataDir(options.dataDir, { log, ...(options.fsync ? { fsync: options.fsync } : {}) }) : undefined;
  const namespace = new EventHubsNamespace(definition, dataDir, { maxLogBytesPerPartition: limits.maxLogBytesPerPartition });
  const authority = new CbsAuthority({
    namespace,
    rules,
    ...(options.acceptAnyToken !== undefined ? { acceptAnyToken: options.acceptAnyToken } : {}),
  });
  const service = new EventHubsAmqpService({ namespace, authority, log });
  const upgrade = createAmqpUpgradeHandler((socket, connection) => {
    serveAmqp(service, webSocketTransport(socket, () => rejectTextFrame(socket)), Buffer.alloc(0), {
      transport: connection.encrypted ? 'wss' : 'ws',
      limits,
      guarded: connection.guarded,
      log,
    });
  }, log);
  const stopRheaConsole = routeRheaConsole(log);
  let listener: Listening | undefined;
  let azurite: RunningAzurite | undefined;
  let kafka: KafkaEndpoint | undefined;
  try {
    listener = await listen({
      service: 'eventhubs',
      host,
      port: options.port ?? 0,
      ...(tls ? { tls } : {}),
      ...(options.limits?.maxConnections !== undefined ? { maxConnections: options.limits.maxConnections } : {}),
      ...(options.limits?.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: options.limits.handshakeTimeoutMs } : {}),
      ...(options.limits?.bodyIdleTimeoutMs !== undefined ? { bodyIdleTimeoutMs: options.limits.bodyIdleTimeoutMs } : {}),
      log,
      routes: {
        raw: [
          {
            name: 'amqp',
            matches: (prefix) => prefix.toString('latin1', 0, 4) === 'AMQP',
            serve: (stream, prefix, connection) =>
              serveAmqp(service, streamTransport(stream), prefix, { transport: connection.encrypted ? 'tls' : 'tcp', limits, guarded: connection.guarded, log }),
          },
        ],
        request: (_request, response) => replyText(response, 404, 'Event Hubs emulator: AMQP over WebSocket is served at /$servicebus/websocket.'),
        upgrade: upgrade.handler,
        // The deadline runs on until the AMQP connection inside is open and authorized.
        upgradeHandshake: 'service',
        // Anything thrown while looking at a client's upgrade request is a 400 for it.
        upgradeFailed: (socket) => rejectUpgrade(socket, 400),
        // Not AMQP, TLS or HTTP: answer with the AMQP header we speak and hang up (AMQP 1.0 §2.2).
        unrecognised: (stream) => stream.end(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0])),
      },
    });
    if (options.azurite) {
      azurite = await startAzurite({ host, ...(options.azurite === true ? {} : options.azurite) });
    }
    if (options.kafkaPort !== undefined) {
      kafka = await startKafkaEndpoint({
        ...options.kafkaLimits,
        host,
        port: options.kafkaPort,
        advertisedHost: reachableHost(host),
        tls,
        namespace,
        rules,
        acceptAnyToken: options.acceptAnyToken ?? false,
        dataDir: options.dataDir,
        log,
      });
    }
  } catch (error) {
    await azurite?.close();
    await listener?.close();
    namespace.close();
    stopRheaConsole();
    throw error;
  }
  const port = listener.port;
  const running = listener;
  const endpointHost = reachableHost(host);
  const hostPort = dialAuthority(host, port);
  const connectionString = `Endpoint=sb://${hostPort};SharedAccessKeyName=${EMULATOR_KEY_NAME};SharedAccessKey=${EMULATOR_SAS_KEY};UseDevelopmentEmulator=true`;
  log(`eventhubs: listening on ${hostPort} (AMQP, AMQP/WebSocket${tls ? ', TLS' : ''}); hubs ${namespace.hubNames().join(', ')}`);
  let closed: Promise<void> | undefined;
  return {
    host: endpointHost,
    port,
    connectionString,
    namespace,
    ...(tls ? { certificate: tls.cert } : {}),
    inspect: () => createEventHubsInspector({ namespace, epochs: service.epochs, ...(kafka ? { kafkaGroups: () => kafka!.groups() } : {}) }),
    info: () => ({
      connectionString,
      hubs: namespace.hubNames(),
      ...(azurite ? { azurite: { connectionString: azurite.connectionString, blobEndpoint: azurite.blobEndpoint } } : {}),
      ...(kafka ? { kafka: { bootstrapServers: kafka.bootstrapServers, saslUsername: kafka.saslUsername, saslPassword: connectionString } } : {}),
    }),
    close: () =>
      (closed ??= (async () => {
        service.closeAll();
        upgrade.close();
        await kafka?.close();
        await running.close();
        namespace.close();
        stopRheaConsole();
        await azurite?.close();
      })()),
  };
}
