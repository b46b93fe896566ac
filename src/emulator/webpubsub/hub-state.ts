import type { ConnectionPermissions } from './permissions.js';
import { MessageTail } from './message-tail.js';
import type { OutboundMessage } from './outbound-message.js';

// What the service knows about a hub (docs/protocol/webpubsub.md §3): connections, per-connection group
// membership, and users as the set of their connections. Hub names are case-insensitive.

export interface HubConnection {
  readonly id: string;
  readonly userId: string | undefined;
  readonly groups: ReadonlySet<string>;
  /** The connection's own record of its groups; HubState.join / leave keep it. */
  noteGroup(group: string, joined: boolean): void;
  readonly permissions: ConnectionPermissions;
  deliver(message: OutboundMessage): void;
  /** Service-initiated close (REST close*, hub shutdown). */
  close(reason?: string): void;
  /** Test hook: drop the socket without a close frame, as a network failure would. */
  drop(): boolean;
}

export class HubState {
  readonly connections = new Map<string, HubConnection>();
  readonly #groups = new Map<string, Set<HubConnection>>();
  readonly #users = new Map<string, Set<HubConnection>>();

  constructor(
    readonly name: string,
    /** Called when the last connection leaves, so the registry can forget the hub. */
    private readonly onEmpty: (hub: HubState) => void = () => undefined,
    /** The registry's record of recent sends, for the dashboard (message-tail.ts). */
    readonly tail?: MessageTail,
  ) {}

  add(connection: HubConnection): void {
    this.connections.set(connection.id, connection);
    if (connection.userId !== undefined) {
      let set = this.#users.get(connection.userId);
      if (!set) this.#users.set(connection.userId, (set = new Set()));
      set.add(connection);
    }
  }

  remove(connection: HubConnection): void {
    if (this.connections.get(connection.id) !== connection) return;
    this.connections.delete(connection.id);
    this.leaveAll(connection);
    if (connection.userId !== undefined) {
      const set = this.#users.get(connection.userId);
      set?.delete(connection);
      if (set?.size === 0) this.#users.delete(connection.userId);
    }
    if (this.connections.size === 0) this.onEmpty(this);
  }

  join(connection: HubConnection, group: string): void {
    let set = this.#groups.get(group);
    if (!set) this.#groups.set(group, (set = new Set()));
    set.add(connection);
    connection.noteGroup(group, true);
  }

  leave(connection: HubConnection, group: string): void {
    const set = this.#groups.get(group);
    set?.delete(connection);
    if (set?.size === 0) this.#groups.delete(group);
    connection.noteGroup(group, false);
  }

  leaveAll(connection: HubConnection): void {
    for (const group of [...connection.groups]) this.leave(connection, group);
  }

  groupMembers(group: string): HubConnection[] {
    return [...(this.#groups.get(group) ?? [])];
  }

  userConnections(userId: string): HubConnection[] {
    return [...(this.#users.get(userId) ?? [])];
  }

  groupExists(group: string): boolean {
    return (this.#groups.get(group)?.size ?? 0) > 0;
  }

  userExists(userId: string): boolean {
    return (this.#users.get(userId)?.size ?? 0) > 0;
  }
}

/**
 * Hubs that have connections. Nothing is stored for a hub before a connection is authorized onto it
 * (`acquire`), and a hub is forgotten when its last connection goes: every other state (groups, users,
 * permissions) lives in its connections, so an empty hub has nothing to keep. Reads (`view`) of an
 * unknown hub get a detached empty state, so unauthenticated or REST traffic to new names allocates nothing.
 */
export class HubRegistry {
  readonly #hubs = new Map<string, HubState>();
  readonly tail = new MessageTail();
  readonly #forget = (hub: HubState) => {
    if (this.#hubs.get(hub.name) === hub) this.#hubs.delete(hub.name);
  };

  find(name: string): HubState | undefined {
    return this.#hubs.get(name.toLowerCase());
  }

  /** The hub's state, or an empty one that is not stored (for lookups and REST calls). */
  view(name: string): HubState {
    return this.find(name) ?? new HubState(name.toLowerCase(), undefined, this.tail);
  }

  /** The stored state for a connection being added now (synchronously, so it cannot be forgotten first). */
  acquire(name: string): HubState {
    const key = name.toLowerCase();
    let hub = this.#hubs.get(key);
    if (!hub) this.#hubs.set(key, (hub = new HubState(key, this.#forget, this.tail)));
    return hub;
  }

  get size(): number {
    return this.#hubs.size;
  }

  all(): HubState[] {
    return [...this.#hubs.values()];
  }
}
