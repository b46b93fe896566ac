import type { MessagePayload } from '../../core/webpubsub/frames.js';
import type { ConnectionPermissions } from './permissions.js';

// What the service knows about a hub (webpubsub note §3): connections, per-connection group
// membership, and users as the set of their connections. Hub names are case-insensitive.

export interface OutboundMessage {
  from: 'group' | 'server';
  group?: string;
  fromUserId?: string;
  payload: MessagePayload;
  /** From `messageTtlSeconds` (ms since epoch). */
  expiresAt?: number;
}

export interface HubConnection {
  readonly id: string;
  readonly userId: string | undefined;
  readonly groups: Set<string>;
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

  constructor(readonly name: string) {}

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
  }

  join(connection: HubConnection, group: string): void {
    let set = this.#groups.get(group);
    if (!set) this.#groups.set(group, (set = new Set()));
    set.add(connection);
    connection.groups.add(group);
  }

  leave(connection: HubConnection, group: string): void {
    const set = this.#groups.get(group);
    set?.delete(connection);
    if (set?.size === 0) this.#groups.delete(group);
    connection.groups.delete(group);
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

export class HubRegistry {
  readonly #hubs = new Map<string, HubState>();

  get(name: string): HubState {
    const key = name.toLowerCase();
    let hub = this.#hubs.get(key);
    if (!hub) this.#hubs.set(key, (hub = new HubState(key)));
    return hub;
  }

  all(): HubState[] {
    return [...this.#hubs.values()];
  }
}
