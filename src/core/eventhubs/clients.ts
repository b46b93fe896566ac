import type { CheckpointStore, EventHubClientOptions, EventHubConsumerClient, EventHubConsumerClientOptions, EventHubProducerClient } from '@azure/event-hubs';
import { formatServiceBusConnectionString, parseEventHubsConnectionString } from '../connection-string.js';
import { describeValue } from '../errors.js';
import { globalWebSocket } from '../global-websocket.js';
import type { WebSocketCtor } from '../transport.js';
import { staticConnectionStringPart, toEventHubsCredential, type EventHubsCredential, type EventHubsCredentialSource } from './credential.js';
import { plainWebSocketFor } from './websocket.js';

// Factories that return the official clients, unchanged, with the emulator made reachable:
// * a connection string is handed to the SDK as is (TCP in Node; UseDevelopmentEmulator=true → plain TCP, docs/protocol/eventhubs.md §1.2);
// * where the SDK will use a WebSocket (a browser, or `webSocketOptions.webSocket` given) and the target
//   is the emulator, the socket class downgrades wss:// to ws:// for the emulator's host:port (docs/protocol/eventhubs.md §8).
// The SDK (≈ 90 kB gzip in a browser, docs/protocol/eventhubs.md §11.1) loads on the first call, not
// with this module: a page that imports `azure-realtime/eventhubs` for a credential or a checkpoint
// store only must not load it, nor need the `process`/`Buffer` globals it reads as it loads. Hence the
// async factories.

async function loadSdk() {
  const [sdk, util] = await Promise.all([import('@azure/event-hubs'), import('@azure/core-util')]);
  return { EventHubProducerClient: sdk.EventHubProducerClient, EventHubConsumerClient: sdk.EventHubConsumerClient, isNodeLike: util.isNodeLike };
}

/** Where to connect when the page holds no key: the namespace plus a credential (e.g. a server-minted SAS). */
export interface EventHubsEndpoint {
  /** `host[:port]` or `sb://host[:port]/`. */
  fullyQualifiedNamespace: string;
  credential: EventHubsCredentialSource;
  /** The target is our emulator (plain ws:// and, for a fixed SAS or a key, plain TCP in Node). */
  useDevelopmentEmulator?: boolean;
}

export type EventHubsConnection = string | EventHubsEndpoint;

export interface EmulatorWebSocketOptions {
  /** Downgrade the SDK's wss:// to ws:// for the emulator (default true; false for an emulator started with TLS). */
  plainWebSocketToEmulator?: boolean;
}

type Target =
  | { kind: 'connectionString'; connectionString: string; emulator: boolean; hostPort: string }
  | { kind: 'credential'; namespace: string; credential: EventHubsCredential; emulator: boolean; hostPort: string };

function parseNamespace(value: string): URL {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`expected fullyQualifiedNamespace as host[:port], got ${describeValue(value)}`);
  try {
    const url = new URL(value.includes('://') ? value : `sb://${value}`);
    if (url.hostname) return url;
  } catch {
    // fall through to the TypeError below
  }
  throw new TypeError(`expected fullyQualifiedNamespace as host[:port] or sb://host[:port]/, got ${describeValue(value)}`);
}

// The WebSocket URL uses the Endpoint's port, else 443 (docs/protocol/eventhubs.md §8).
const wsHostPort = (host: string, port: string | number | undefined) => `${host.toLowerCase()}:${port || 443}`;

function resolveTarget(connection: EventHubsConnection): Target {
  if (typeof connection === 'string') {
    const parsed = parseEventHubsConnectionString(connection);
    return { kind: 'connectionString', connectionString: connection, emulator: parsed.useDevelopmentEmulator, hostPort: wsHostPort(parsed.host, parsed.port) };
  }
  if (typeof connection !== 'object' || connection === null) {
    throw new TypeError(`expected a connection string or { fullyQualifiedNamespace, credential }, got ${describeValue(connection)}`);
  }
  const url = parseNamespace(connection.fullyQualifiedNamespace);
  const emulator = connection.useDevelopmentEmulator === true;
  const hostPort = wsHostPort(url.hostname, url.port);
  // A fixed SAS or a key fits in a connection string, the only form in which the SDK honours
  // UseDevelopmentEmulator (plain TCP in Node); the credential constructor always means TLS.
  const staticPart = emulator ? staticConnectionStringPart(connection.credential) : undefined;
  if (staticPart) {
    const connectionString = formatServiceBusConnectionString({ endpoint: `sb://${url.host}/`, ...staticPart, useDevelopmentEmulator: true });
    return { kind: 'connectionString', connectionString, emulator, hostPort };
  }
  return { kind: 'credential', namespace: url.host, credential: toEventHubsCredential(connection.credential), emulator, hostPort };
}

function withEmulatorSocket<T extends EventHubClientOptions>(target: Target, options: (T & EmulatorWebSocketOptions) | undefined, isNodeLike: boolean): T {
  const { plainWebSocketToEmulator = true, ...sdkOptions } = options ?? ({} as T & EmulatorWebSocketOptions);
  if (!target.emulator) return sdkOptions as T;
  const given = sdkOptions.webSocketOptions?.webSocket as WebSocketCtor | undefined;
  // The same test the SDK uses to pick the global WebSocket (core-amqp ConnectionContextBase).
  const socket = given ?? (isNodeLike ? undefined : globalWebSocket());
  if (!socket) {
    if (target.kind === 'credential') {
      throw new TypeError(
        'expected webSocketOptions.webSocket (e.g. NodeWebSocket) to reach the emulator with a TokenCredential or TokenProvider in Node: the SDK uses TLS for credential-based clients; a key or a fixed SAS works over TCP',
      );
    }
    return sdkOptions as T;
  }
  const webSocket = plainWebSocketToEmulator ? plainWebSocketFor(socket, target.hostPort) : socket;
  return { ...sdkOptions, webSocketOptions: { ...sdkOptions.webSocketOptions, webSocket } } as unknown as T;
}

/**
 * Resolves to an official `EventHubProducerClient` for a connection string or `{ fullyQualifiedNamespace, credential }`,
 * reaching the emulator over ws:// in browsers and over TCP in Node.
 */
export async function createEventHubProducerClient(
  connection: EventHubsConnection,
  eventHubName?: string,
  options?: EventHubClientOptions & EmulatorWebSocketOptions,
): Promise<EventHubProducerClient> {
  const target = resolveTarget(connection);
  const { EventHubProducerClient, isNodeLike } = await loadSdk();
  const sdkOptions = withEmulatorSocket<EventHubClientOptions>(target, options, isNodeLike);
  if (target.kind === 'credential') {
    if (!eventHubName) throw new TypeError(`expected eventHubName with { fullyQualifiedNamespace, credential }, got ${describeValue(eventHubName)}`);
    return new EventHubProducerClient(target.namespace, eventHubName, target.credential, sdkOptions);
  }
  return eventHubName
    ? new EventHubProducerClient(target.connectionString, eventHubName, sdkOptions)
    : new EventHubProducerClient(target.connectionString, sdkOptions);
}

/** The consumer counterpart; without a checkpoint store the SDK keeps checkpoints in memory and reads every partition. */
export async function createEventHubConsumerClient(
  consumerGroup: string,
  connection: EventHubsConnection,
  eventHubName?: string,
  checkpointStore?: CheckpointStore,
  options?: EventHubConsumerClientOptions & EmulatorWebSocketOptions,
): Promise<EventHubConsumerClient> {
  if (typeof consumerGroup !== 'string' || !consumerGroup) throw new TypeError(`expected a consumer group name such as "$Default", got ${describeValue(consumerGroup)}`);
  const target = resolveTarget(connection);
  const { EventHubConsumerClient, isNodeLike } = await loadSdk();
  const sdkOptions = withEmulatorSocket<EventHubConsumerClientOptions>(target, options, isNodeLike);
  if (target.kind === 'credential') {
    if (!eventHubName) throw new TypeError(`expected eventHubName with { fullyQualifiedNamespace, credential }, got ${describeValue(eventHubName)}`);
    return checkpointStore
      ? new EventHubConsumerClient(consumerGroup, target.namespace, eventHubName, target.credential, checkpointStore, sdkOptions)
      : new EventHubConsumerClient(consumerGroup, target.namespace, eventHubName, target.credential, sdkOptions);
  }
  if (eventHubName) {
    return checkpointStore
      ? new EventHubConsumerClient(consumerGroup, target.connectionString, eventHubName, checkpointStore, sdkOptions)
      : new EventHubConsumerClient(consumerGroup, target.connectionString, eventHubName, sdkOptions);
  }
  return checkpointStore
    ? new EventHubConsumerClient(consumerGroup, target.connectionString, checkpointStore, sdkOptions)
    : new EventHubConsumerClient(consumerGroup, target.connectionString, sdkOptions);
}
