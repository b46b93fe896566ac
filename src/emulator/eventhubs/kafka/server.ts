import { listen } from '../../host/listen.js';
import type { SasRule } from '../../host/sas-rules.js';
import type { EventHubsNamespace } from '../namespace.js';
import { apiVersions, findCoordinator, initProducerId, metadata } from './api-meta.js';
import { fetch, listOffsets } from './api-fetch.js';
import { describeGroups, heartbeat, joinGroup, leaveGroup, listGroups, syncGroup } from './api-groups.js';
import { offsetCommit, offsetFetch } from './api-offsets.js';
import { produce } from './api-produce.js';
import { KAFKA_SASL_USERNAME } from './auth.js';
import { serveKafka } from './connection.js';
import type { KafkaContext, KafkaLimits } from './context.js';
import { GroupCoordinator, type CoordinatorLimits, type Group } from './coordinator.js';
import { rateLimitedLog } from './log-limit.js';
import { DEFAULT_OFFSET_STORE_LIMITS, OffsetStore } from './offset-store.js';
import { ProducerIds } from './producer-ids.js';
import { API } from './protocol.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS } from '../../host/connection-guard.js';
import type { KafkaHandler } from './request.js';
import { UnsentResponses } from './unsent-responses.js';

// The Kafka endpoint of the Event Hubs emulator: its own port, the same namespace and log as
// AMQP. Clients use SASL PLAIN with `$ConnectionString` and a connection string as password.
// The host serves it as a raw route on a sniffing listener: one port for SASL_PLAINTEXT and
// SASL_SSL, since a Kafka frame starts with its int32 size and a first byte of 0x16 (a TLS
// handshake record) would mean a request of over 360 MB, above any accepted size.

export interface ConnectionLimits {
  /** Open Kafka connections; more are closed on arrival. Default 10,000. */
  maxConnections: number;
  /** Time to finish SASL after connecting; default 30 s. */
  handshakeTimeoutMs: number;
}

export interface KafkaEndpointOptions extends Partial<KafkaLimits>, Partial<CoordinatorLimits>, Partial<ConnectionLimits> {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Host name put in Metadata / FindCoordinator answers; default the reachable bind host. */
  advertisedHost: string;
  tls: { cert: string; key: string } | undefined;
  namespace: EventHubsNamespace;
  /** The Event Hubs namespace's shared access policies. */
  rules: readonly SasRule[];
  acceptAnyToken: boolean;
  dataDir: string | undefined;
  log: (line: string) => void;
}

export interface KafkaEndpoint {
  port: number;
  bootstrapServers: string;
  saslUsername: string;
  /** The consumer groups the coordinator holds (read by the dashboard). */
  groups(): Group[];
  close(): Promise<void>;
}

export const DEFAULT_KAFKA_LIMITS: KafkaLimits & CoordinatorLimits & ConnectionLimits = {
  // The service closes connections whose requests exceed 1,046,528 bytes
  // (https://learn.microsoft.com/azure/event-hubs/apache-kafka-configurations, max.request.size).
  // Kafka's own 100 MiB let one request of tiny array elements (DescribeGroups, OffsetFetch,
  // Metadata) hold the event loop for a minute and the heap at 1.5 GB while it was answered.
  maxRequestBytes: 1_046_528,
  maxFetchBytes: 55 * 1024 * 1024,
  maxPendingResponseBytes: 1024 * 1024,
  maxUnsentResponseBytes: 256 * 1024 * 1024,
  connectionsMaxIdleMs: 10 * 60_000,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  handshakeTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT_MS,
  maxBatchBytes: 1024 * 1024 + 64 * 1024,
  maxCommittedOffsets: DEFAULT_OFFSET_STORE_LIMITS.maxEntries,
  maxOffsetMetadataChars: DEFAULT_OFFSET_STORE_LIMITS.maxMetadataChars,
  maxFetchWaitMs: 30_000,
  maxGroups: 10_000,
  maxMembersPerGroup: 1000,
  maxMemberBytes: 128 * 1024 * 1024,
  minSessionTimeoutMs: 1000,
  maxSessionTimeoutMs: 30 * 60_000,
};

const HANDLERS: ReadonlyMap<number, KafkaHandler> = new Map<number, KafkaHandler>([
  [API.ApiVersions, apiVersions],
  [API.Metadata, metadata],
  [API.Produce, produce],
  [API.Fetch, fetch],
  [API.ListOffsets, listOffsets],
  [API.FindCoordinator, findCoordinator],
  [API.InitProducerId, initProducerId],
  [API.JoinGroup, joinGroup],
  [API.SyncGroup, syncGroup],
  [API.Heartbeat, heartbeat],
  [API.LeaveGroup, leaveGroup],
  [API.DescribeGroups, describeGroups],
  [API.ListGroups, listGroups],
  [API.OffsetCommit, offsetCommit],
  [API.OffsetFetch, offsetFetch],
]);

export async function startKafkaEndpoint(options: KafkaEndpointOptions): Promise<KafkaEndpoint> {
  const pick = <K extends keyof typeof DEFAULT_KAFKA_LIMITS>(key: K): number => {
    const value = options[key];
    if (value === undefined) return DEFAULT_KAFKA_LIMITS[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`expected kafkaLimits.${key} to be a positive number, got ${String(value)}`);
    }
    return value;
  };
  const log = rateLimitedLog(options.log);
  const coordinator = new GroupCoordinator({
    maxGroups: pick('maxGroups'),
    maxMembersPerGroup: pick('maxMembersPerGroup'),
    maxMemberBytes: pick('maxMemberBytes'),
    minSessionTimeoutMs: pick('minSessionTimeoutMs'),
    maxSessionTimeoutMs: pick('maxSessionTimeoutMs'),
  });
  let port = 0;
  const context: KafkaContext = {
    namespace: options.namespace,
    auth: { rules: options.rules, acceptAnyToken: options.acceptAnyToken },
    coordinator,
    producerIds: new ProducerIds(),
    offsets: new OffsetStore(options.dataDir, { maxEntries: pick('maxCommittedOffsets'), maxMetadataChars: pick('maxOffsetMetadataChars') }),
    limits: {
      maxRequestBytes: pick('maxRequestBytes'),
      maxBatchBytes: pick('maxBatchBytes'),
      maxFetchWaitMs: pick('maxFetchWaitMs'),
      maxFetchBytes: pick('maxFetchBytes'),
      maxPendingResponseBytes: pick('maxPendingResponseBytes'),
      maxUnsentResponseBytes: pick('maxUnsentResponseBytes'),
      connectionsMaxIdleMs: pick('connectionsMaxIdleMs'),
      maxCommittedOffsets: pick('maxCommittedOffsets'),
      maxOffsetMetadataChars: pick('maxOffsetMetadataChars'),
    },
    unsent: new UnsentResponses(pick('maxUnsentResponseBytes')),
    advertisedHost: options.advertisedHost,
    advertisedPort: () => port,
  };
  // Connection cap, and a deadline for SASL (connection.ts passes it once authenticated).
  const listener = await listen({
    service: 'eventhubs kafka',
    host: options.host,
    port: options.port,
    ...(options.tls ? { tls: options.tls } : {}),
    maxConnections: pick('maxConnections'),
    handshakeTimeoutMs: pick('handshakeTimeoutMs'),
    log,
    routes: {
      raw: [
        {
          name: 'kafka',
          matches: () => true,
          serve: (stream, prefix, connection) => {
            stream.unshift(prefix);
            serveKafka(stream, context, HANDLERS, `/${connection.remoteAddress ?? 'unknown'}`, connection.guarded, log);
          },
        },
      ],
    },
  });
  port = listener.port;
  const hostPort = options.advertisedHost.includes(':') ? `[${options.advertisedHost}]:${port}` : `${options.advertisedHost}:${port}`;
  options.log(`eventhubs: Kafka endpoint on ${hostPort} (SASL_PLAINTEXT${options.tls ? ', SASL_SSL' : ''}, PLAIN)`);
  return {
    port,
    bootstrapServers: hostPort,
    saslUsername: KAFKA_SASL_USERNAME,
    groups: () => coordinator.list(),
    close: async () => {
      coordinator.close();
      await listener.close();
    },
  };
}

export type KafkaEndpointLimits = Partial<KafkaLimits & CoordinatorLimits & ConnectionLimits>;
