import type { HybridConnectionSpec, NamespaceSpec, SasRule } from './config.js';
import type { RequestBody } from './sockets.js';

// Namespaces and hybrid connections held in memory. Entity names are case-insensitive on the
// service, so lookups use lowercase keys while the declared spelling is kept for messages.

/** Anything that lives on an entity and must end when the entity is deleted (docs/protocol/relay.md §1.2: 1001). */
export interface EntityAttachment {
  terminate(code: number, reason: string): void;
  /** What it is, for the dashboard's counts (relay/snapshot.ts). */
  readonly kind?: 'bridge' | 'connecting' | 'http' | 'request-channel';
  /** An HTTP exchange's request: `target` is sb://namespace/path, never the query (tokens travel there). */
  readonly request?: { method: string; target: string; since: number };
}

/** The part of a listener session other modules need: routing accepts and requests to it. */
export interface OnlineListener extends EntityAttachment {
  readonly trackingId: string;
  /** The Host header the listener used; rendezvous addresses reuse it so they stay reachable. */
  readonly host: string;
  /** A control message, and when given the binary message that follows it, written together. */
  sendText(text: string, body?: RequestBody): void;
  /** Called once when the control channel goes away; returns an unsubscribe function. */
  onGone(callback: (reason: string) => void): () => void;
}

/** A set that tells its owner when a member leaves (so an entity notices it became empty). */
class WatchedSet<T> extends Set<T> {
  constructor(private readonly onDelete: () => void) {
    super();
  }

  override delete(value: T): boolean {
    const deleted = super.delete(value);
    if (deleted) this.onDelete();
    return deleted;
  }
}

export class HybridConnection {
  readonly listeners = new WatchedSet<OnlineListener>(() => this.releaseIfIdle());
  readonly attachments = new WatchedSet<EntityAttachment>(() => this.releaseIfIdle());
  deleted = false;
  /** Listeners authorized onto this entity whose upgrade has not settled yet (see RelayNamespace.adopt). */
  #arriving = 0;

  constructor(
    readonly namespace: RelayNamespace,
    readonly spec: HybridConnectionSpec,
    /** Made for an unknown path (autoCreateHybridConnections), not declared in the config. */
    readonly autoCreated = false,
  ) {}

  /** @internal RelayNamespace.adopt: a listener is on its way. */
  arriving(): void {
    this.#arriving++;
  }

  /** The listener announced by `arriving()` is online, or gave up: forget the entity if it is idle. */
  arrived(): void {
    this.#arriving--;
    this.releaseIfIdle();
  }

  /**
   * An auto-created entity holds nothing but its listeners and exchanges, so once they are all gone
   * it is forgotten, as a Web PubSub hub is: one authorized client opening listeners on new paths
   * grew the registry for good (4,000 paths of 4 KB: 70 MB).
   */
  private releaseIfIdle(): void {
    if (this.autoCreated && !this.deleted && this.#arriving === 0 && this.listeners.size === 0 && this.attachments.size === 0) this.namespace.forget(this);
  }

  get name(): string {
    return this.spec.name;
  }

  /** Random choice among online listeners: the service spreads "best effort fair" (docs/protocol/relay.md §1.1). */
  pickListener(random: () => number = Math.random): OnlineListener | undefined {
    const online = [...this.listeners];
    return online.length === 0 ? undefined : online[Math.floor(random() * online.length)];
  }

  terminateAll(code: number, reason: string): void {
    for (const attachment of [...this.listeners, ...this.attachments]) {
      try {
        attachment.terminate(code, reason);
      } catch {
        // one broken socket must not stop the others from closing
      }
    }
    this.listeners.clear();
    this.attachments.clear();
  }
}

export interface EntityMatch {
  entity: HybridConnection;
  /** Path after the entity name, with its leading slash (`/suffix`), or ''. */
  suffix: string;
}

export class RelayNamespace {
  readonly entities = new Map<string, HybridConnection>();

  constructor(readonly spec: NamespaceSpec) {
    for (const hc of spec.hybridConnections) this.entities.set(hc.name.toLowerCase(), new HybridConnection(this, hc));
  }

  get host(): string {
    return this.spec.host;
  }

  get rules(): SasRule[] {
    return this.spec.rules;
  }

  /**
   * Longest declared entity that prefixes the path (segments decoded). With auto-creation on, an
   * unknown path creates an entity named by its first segment, so `/a/b` means entity `a` plus
   * suffix `/b`, as senders may add suffixes (docs/protocol/relay.md §1.3); declare `a/b` to get a nested name.
   * An auto-created entity is not kept until a listener that passed authorization adopts it, so
   * unauthenticated requests to random paths cannot grow the registry.
   */
  resolve(segments: string[]): EntityMatch | undefined {
    for (let n = segments.length; n > 0; n--) {
      const entity = this.entities.get(segments.slice(0, n).join('/').toLowerCase());
      if (entity && !entity.deleted) return { entity, suffix: segmentsToSuffix(segments.slice(n)) };
    }
    if (!this.spec.autoCreate || segments.length === 0 || segments[0] === '') return undefined;
    const name = segments[0]!;
    const entity = new HybridConnection(this, { name, requiresClientAuthorization: true, httpEnabled: true, rules: [] }, true);
    return { entity, suffix: segmentsToSuffix(segments.slice(1)) };
  }

  /**
   * Keeps an auto-created entity (or returns the one a concurrent listener kept first) for a
   * listener that passed authorization; the caller calls `arrived()` on the result once that
   * listener is online or has given up, and an auto-created entity left idle is forgotten then.
   */
  adopt(entity: HybridConnection): HybridConnection {
    const key = entity.name.toLowerCase();
    const existing = this.entities.get(key);
    const kept = existing && !existing.deleted ? existing : entity;
    if (kept === entity) this.entities.set(key, entity);
    kept.arriving();
    return kept;
  }

  /** @internal An idle auto-created entity leaves the registry. */
  forget(entity: HybridConnection): void {
    const key = entity.name.toLowerCase();
    if (this.entities.get(key) === entity) this.entities.delete(key);
  }

  delete(name: string): boolean {
    const key = name.replace(/^\/+|\/+$/g, '').toLowerCase();
    const entity = this.entities.get(key);
    if (!entity) return false;
    this.entities.delete(key);
    entity.deleted = true;
    entity.terminateAll(1001, 'The hybrid connection was deleted');
    return true;
  }
}

function segmentsToSuffix(segments: string[]): string {
  return segments.length === 0 ? '' : `/${segments.map(encodeURIComponent).join('/')}`;
}

/** Splits and decodes a URL path; undefined when an escape is malformed. */
export function pathSegments(pathname: string): string[] | undefined {
  const trimmed = pathname.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return [];
  try {
    return trimmed.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

export class EntityRegistry {
  readonly namespaces: RelayNamespace[];

  constructor(specs: NamespaceSpec[]) {
    this.namespaces = specs.map((spec) => new RelayNamespace(spec));
  }

  get defaultNamespace(): RelayNamespace {
    return this.namespaces[0]!;
  }

  /** The namespace whose host name matches the Host header; anything else (127.0.0.1, localhost) is the default one. */
  namespaceFor(hostHeader: string | undefined): RelayNamespace {
    const hostname = hostnameOf(hostHeader);
    return this.namespaces.find((ns) => ns.host === hostname || ns.spec.name.toLowerCase() === hostname) ?? this.defaultNamespace;
  }

  find(namespaceName: string | undefined): RelayNamespace | undefined {
    if (namespaceName === undefined) return this.defaultNamespace;
    const lower = namespaceName.toLowerCase();
    return this.namespaces.find((ns) => ns.host === lower || ns.spec.name.toLowerCase() === lower);
  }

  terminateAll(code: number, reason: string): void {
    for (const ns of this.namespaces) for (const entity of ns.entities.values()) entity.terminateAll(code, reason);
  }
}

/** Host header → lowercase host name without port (handles `[::1]:8080`). */
export function hostnameOf(hostHeader: string | undefined): string {
  const host = (hostHeader ?? '').trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.replace(/:\d+$/, '');
}
