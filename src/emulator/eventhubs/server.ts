import type { Duplex } from 'node:stream';
import { DEFAULT_HOST, EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../defaults.js';
import { authority as dialAuthority, reachableHost, serviceLog } from '../service-address.js';
import type { EmulatorServiceInfo, ListenOptions, RunningService } from '../types.js';
import { startAzurite, type RunningAzurite } from '../azurite.js';
import { EventHubsAmqpService } from './amqp-service.js';
import { rejectTextFrame, serveAmqp, streamTransport, webSocketTransport } from './amqp-socket.js';
import { CbsAuthority, DEFAULT_POLICIES, type SharedAccessPolicy } from './cbs.js';
import { loadEventHubsConfig, resolveNamespace, type EventHubsEmulatorConfig } from './config.js';
import { listenSniffing } from './listener.js';
import { EventHubsNamespace } from './namespace.js';
import { EventHubsDataDir } from './log/data-dir.js';
import type { FsyncPolicy } from './log/group-commit.js';
import { resolveTlsMaterial } from '../tls.js';
import { createAmqpUpgradeHandler } from './websocket.js';

// Starts the Event Hubs emulator: AMQP (bare or SASL), AMQPS, and AMQP over ws/wss, all on one
// port; the log in memory or under `dataDir`; optionally Azurite beside it for checkpoints.

export interface EventHubsEmulatorOptions extends ListenOptions {
  /** Hubs to serve, or a path to a JSON file (ours or Microsoft's Config.json). Default: `eh1`, 4 partitions. */
  config?: EventHubsEmulatorConfig | string;
  /** Append-only event log on disk; a restart with the same directory serves the same events. */
  dataDir?: string;
  /** When an event written to `dataDir` counts as durable (log/group-commit.ts). Default `batch`. */
  fsync?: FsyncPolicy;
  /** Accept any CBS token and skip claim checks, as Microsoft's Docker emulator does. */
  acceptAnyToken?: boolean;
  /** Extra shared access policies besides RootManageSharedAccessKey. */
  policies?: SharedAccessPolicy[];
  /** Also start Azurite (blob) for checkpoint stores. */
  azurite?: boolean | { port?: number; location?: string };
}

export interface EventHubsEmulatorInfo extends EmulatorServiceInfo {
  connectionString: string;
  hubs: string[];
  azurite?: { connectionString: string; blobEndpoint: string };
}

export interface RunningEventHubsEmulator extends RunningService {
  info(): EventHubsEmulatorInfo;
  readonly namespace: EventHubsNamespace;
  /** PEM of the TLS certificate when TLS is on, to trust it with `ca`. */
  readonly certificate?: string;
}

export async function startEventHubsEmulator(options: EventHubsEmulatorOptions = {}): Promise<RunningEventHubsEmulator> {
  const host = options.host ?? DEFAULT_HOST;
  const definition = resolveNamespace(loadEventHubsConfig(options.config));
  const log = serviceLog(options.log);
  const dataDir = options.dataDir ? new EventHubsDataDir(options.dataDir, { log, ...(options.fsync ? { fsync: options.fsync } : {}) }) : undefined;
  const namespace = new EventHubsNamespace(definition, dataDir);
  const authority = new CbsAuthority({
    namespace,
    policies: [...DEFAULT_POLICIES, ...(options.policies ?? [])],
    ...(options.acceptAnyToken !== undefined ? { acceptAnyToken: options.acceptAnyToken } : {}),
  });
  const service = new EventHubsAmqpService({ namespace, authority, log });
  const tls = await resolveTlsMaterial(options.tls);
  const upgrade = createAmqpUpgradeHandler((socket, encrypted) => {
    serveAmqp(service, webSocketTransport(socket, () => rejectTextFrame(socket)), Buffer.alloc(0), encrypted ? 'wss' : 'ws', log);
  });
  let listener;
  let azurite: RunningAzurite | undefined;
  try {
    listener = await listenSniffing(
      host,
      options.port ?? 0,
      {
        amqp: (stream: Duplex, prefix: Buffer, encrypted: boolean) =>
          serveAmqp(service, streamTransport(stream), prefix, encrypted ? 'tls' : 'tcp', log),
        onUpgrade: upgrade.handler,
        onServerError: (error: Error) => log?.(`eventhubs: listener error: ${error.message}`),
        onUnknown: (stream: Duplex) => {
          // Not AMQP, TLS or HTTP: answer with the AMQP header we speak and hang up (AMQP 1.0 §2.2).
          stream.end(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0]));
        },
      },
      tls,
    );
    if (options.azurite) {
      azurite = await startAzurite({ host, ...(options.azurite === true ? {} : options.azurite) });
    }
  } catch (error) {
    await listener?.close();
    namespace.close();
    throw error;
  }
  const port = listener.port;
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
    info: () => ({
      connectionString,
      hubs: namespace.hubNames(),
      ...(azurite ? { azurite: { connectionString: azurite.connectionString, blobEndpoint: azurite.blobEndpoint } } : {}),
    }),
    close: () =>
      (closed ??= (async () => {
        service.closeAll();
        upgrade.close();
        await listener.close();
        namespace.close();
        await azurite?.close();
      })()),
  };
}
