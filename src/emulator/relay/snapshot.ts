import type { EntityRegistry, HybridConnection } from './entities.js';
import type { RejectionRing, RelayRejection } from './rejections.js';

// A read-only picture of the relay emulator for the dashboard (src/emulator/dashboard): what is
// declared, who listens, what is bridged or in flight, and the recent refusals. It names no key,
// signature or token: rules are counted, never listed, and paths carry no query.

/** Bounds so a snapshot stays small whatever the traffic (the dashboard sends it twice a second). */
export const RELAY_SNAPSHOT_LIMITS = { hybridConnectionsPerNamespace: 200, listenersPerEntity: 20, httpRequestsPerEntity: 20 };

export interface RelayHybridConnectionView {
  name: string;
  requiresClientAuthorization: boolean;
  httpEnabled: boolean;
  /** Tracking ids of the online listeners (at most 20; `listenerCount` has them all). */
  listeners: string[];
  listenerCount: number;
  /** Sender ↔ listener WebSocket pipes. */
  bridges: number;
  /** Senders waiting for a listener to accept. */
  connecting: number;
  /** Rendezvous sockets a listener opened to answer HTTP. */
  requestChannels: number;
  /** HTTP requests waiting for their response (at most 20; `httpInFlight` counts them all). */
  httpRequests: Array<{ method: string; target: string; ageMs: number }>;
  httpInFlight: number;
}

export interface RelayNamespaceView {
  name: string;
  host: string;
  autoCreate: boolean;
  hybridConnections: RelayHybridConnectionView[];
  /** Hybrid connections past the snapshot's bound. */
  omitted: number;
}

export interface RelaySnapshot {
  namespaces: RelayNamespaceView[];
  /** Newest first. */
  rejections: RelayRejection[];
  rejectionsTotal: number;
}

export interface RelayInspector {
  snapshot(now?: number): RelaySnapshot;
}

export function createRelayInspector(registry: EntityRegistry, rejections: RejectionRing): RelayInspector {
  return {
    snapshot: (now = Date.now()) => ({
      namespaces: registry.namespaces.map((ns) => {
        const live = [...ns.entities.values()].filter((entity) => !entity.deleted);
        return {
          name: ns.spec.name,
          host: ns.host,
          autoCreate: ns.spec.autoCreate,
          hybridConnections: live.slice(0, RELAY_SNAPSHOT_LIMITS.hybridConnectionsPerNamespace).map((entity) => viewOf(entity, now)),
          omitted: Math.max(0, live.length - RELAY_SNAPSHOT_LIMITS.hybridConnectionsPerNamespace),
        };
      }),
      rejections: rejections.recent(),
      rejectionsTotal: rejections.total,
    }),
  };
}

function viewOf(entity: HybridConnection, now: number): RelayHybridConnectionView {
  const counts = { bridge: 0, connecting: 0, 'request-channel': 0, http: 0 };
  const httpRequests: RelayHybridConnectionView['httpRequests'] = [];
  for (const attachment of entity.attachments) {
    if (attachment.kind) counts[attachment.kind]++;
    if (attachment.request && httpRequests.length < RELAY_SNAPSHOT_LIMITS.httpRequestsPerEntity) {
      httpRequests.push({ method: attachment.request.method, target: attachment.request.target, ageMs: Math.max(0, now - attachment.request.since) });
    }
  }
  const listeners = [...entity.listeners];
  return {
    name: entity.name,
    requiresClientAuthorization: entity.spec.requiresClientAuthorization,
    httpEnabled: entity.spec.httpEnabled,
    listeners: listeners.slice(0, RELAY_SNAPSHOT_LIMITS.listenersPerEntity).map((listener) => listener.trackingId),
    listenerCount: listeners.length,
    bridges: counts.bridge,
    connecting: counts.connecting,
    requestChannels: counts['request-channel'],
    httpRequests,
    httpInFlight: counts.http,
  };
}
