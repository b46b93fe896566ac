import type { ConnectionGrants, Claim } from '../cbs.js';
import type { EventHubsNamespace, Hub } from '../namespace.js';
import type { KafkaAuthOptions } from './auth.js';
import type { GroupCoordinator } from './coordinator.js';
import type { OffsetStore } from './offset-store.js';
import type { ProducerIds } from './producer-ids.js';
import type { UnsentResponses } from './unsent-responses.js';

// What every API handler needs: the shared emulator state, and the one connection it answers.

export interface KafkaLimits {
  /** Largest request accepted (Kafka's socket.request.max.bytes); default 1,046,528 bytes, the service's. */
  maxRequestBytes: number;
  /** Largest record batch (after gzip) a Produce may carry, as message.max.bytes; default 1 MiB. */
  maxBatchBytes: number;
  /** Longest Fetch long poll honoured; default 30 s. */
  maxFetchWaitMs: number;
  /** Largest Fetch answer whatever the client asks, as the broker's fetch.max.bytes; default 55 MiB. */
  maxFetchBytes: number;
  /** Unsent answer bytes per connection (or 16 answers) before its next request waits for them to be sent; default 1 MiB. */
  maxPendingResponseBytes: number;
  /**
   * Unsent answer bytes of all connections together; past it Fetch answers carry no records and
   * a connection waits for its own answers to go before its next request; default 256 MiB.
   */
  maxUnsentResponseBytes: number;
  /** A connection with no request for this long is closed, as Kafka's connections.max.idle.ms; default 10 min. */
  connectionsMaxIdleMs: number;
  /** Committed offsets kept, one per (group, topic, partition); default 100,000 (offset-store.ts). */
  maxCommittedOffsets: number;
  /** Characters of commit metadata kept over all of them; default 4 Mi. */
  maxOffsetMetadataChars: number;
}

export interface KafkaContext {
  namespace: EventHubsNamespace;
  auth: KafkaAuthOptions;
  coordinator: GroupCoordinator;
  producerIds: ProducerIds;
  offsets: OffsetStore;
  limits: KafkaLimits;
  /** What every connection has written and not yet sent (limits.maxUnsentResponseBytes). */
  unsent: UnsentResponses;
  /** What Metadata and FindCoordinator advertise. */
  advertisedHost: string;
  advertisedPort: () => number;
}

export interface KafkaSession {
  /** Set by SASL; with acceptAnyToken, from the start. */
  grants: ConnectionGrants | undefined;
  clientId: string;
  clientHost: string;
  /**
   * Calls `listener` when the connection closes (to cut a long poll short); returns the way to
   * stop listening, so a long-lived connection does not collect one listener per Fetch.
   */
  onClose(listener: () => void): () => void;
  isClosed(): boolean;
}

export function allowed(session: KafkaSession, hub: Hub | string, claim: Claim): boolean {
  const name = typeof hub === 'string' ? hub : hub.name;
  return session.grants?.allows(name.toLowerCase(), claim) ?? false;
}

/** Group APIs need Listen somewhere: on the namespace or on any hub. */
export function mayUseGroups(session: KafkaSession, namespace: EventHubsNamespace): boolean {
  return namespace.hubNames().some((hub) => allowed(session, hub, 'Listen'));
}

/** Kafka's topic ids (Metadata v10+, Fetch v13+): a stable UUID per hub name. */
export function topicId(hubName: string): Buffer {
  const id = Buffer.alloc(16);
  const bytes = Buffer.from(`eventhubs:${hubName.toLowerCase()}`, 'utf8');
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const byte of bytes) {
    h1 = Math.imul(h1 ^ byte, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ byte, 0x5bd1e995) >>> 0;
  }
  id.writeUInt32BE(h1, 0);
  id.writeUInt32BE(h2, 4);
  id.writeUInt32BE(h1 ^ h2 ^ 0x9e3779b9, 8);
  id.writeUInt32BE((Math.imul(h1, 31) + h2) >>> 0 || 1, 12);
  return id;
}

export function hubByTopicId(namespace: EventHubsNamespace, id: Buffer): Hub | undefined {
  for (const name of namespace.hubNames()) if (topicId(name).equals(id)) return namespace.hub(name);
  return undefined;
}
