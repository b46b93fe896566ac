import { ClientConnection } from './client-connection.js';
import type { ConnectionCounters } from './connection-types.js';
import type { HubConnection, HubRegistry, HubState } from './hub-state.js';
import { OutboundMessage } from './outbound-message.js';
import type { TailEntry, TailTarget } from './message-tail.js';
import type { MessagePayload } from '../../core/webpubsub/frames.js';

// A read-only picture of the Web PubSub emulator for the dashboard (src/emulator/dashboard), and
// the few actions its forms take: send to all / a group / a user / a connection, close a
// connection. They call the hub state directly, as the REST API does after its signature check:
// the dashboard holds no key. Nothing here names a key, token or reconnection token.

export const WEBPUBSUB_SNAPSHOT_LIMITS = { hubs: 50, connectionsPerHub: 200, groupsPerConnection: 20, groupsPerHub: 200, usersPerHub: 200 };

export interface WebPubSubConnectionView {
  id: string;
  userId?: string;
  /** The WebSocket subprotocol, or absent for a raw (simple) client. */
  subprotocol?: string;
  groups: string[];
  groupCount: number;
  /** Unacked messages (and their bytes) a reliable session keeps for re-delivery; absent otherwise. */
  reliable?: { messages: number; bytes: number };
  /** False while a reliable session waits for its client to recover. */
  online: boolean;
}

export interface WebPubSubHubView {
  name: string;
  connections: WebPubSubConnectionView[];
  connectionCount: number;
  groups: Array<{ name: string; members: number }>;
  users: Array<{ id: string; connections: number }>;
}

export interface WebPubSubSnapshot {
  /** Hubs with connections, then configured hubs that have none. */
  hubs: WebPubSubHubView[];
  /** Newest first. */
  messages: TailEntry[];
  messagesTotal: number;
  counters: ConnectionCounters;
}

export interface WebPubSubSendRequest {
  hub: string;
  target: TailTarget;
  /** Group, user or connection id; ignored for `all`. */
  name?: string;
  payload: MessagePayload;
}

export interface WebPubSubInspector {
  snapshot(): WebPubSubSnapshot;
  /** Delivers as the REST send would (from: server); returns how many connections got it. */
  send(request: WebPubSubSendRequest): number;
  /** Closes one connection as the REST closeConnection would; false when there is none. */
  close(hub: string, connectionId: string, reason?: string): boolean;
}

export function createWebPubSubInspector(hubs: HubRegistry, configuredHubs: readonly string[], counters: ConnectionCounters): WebPubSubInspector {
  // A dashboard is watching from now on: start keeping the tail of sends.
  hubs.tail.enabled = true;
  return {
    snapshot: () => {
      const live = hubs.all();
      const names = new Set(live.map((hub) => hub.name));
      const idle = configuredHubs.filter((name) => name !== '*' && !names.has(name.toLowerCase()));
      return {
        hubs: [...live.map(hubView), ...idle.map((name) => hubView(hubs.view(name)))].slice(0, WEBPUBSUB_SNAPSHOT_LIMITS.hubs),
        messages: hubs.tail.recent(),
        messagesTotal: hubs.tail.total,
        counters: { ...counters },
      };
    },
    send: ({ hub, target, name, payload }) => {
      const state = hubs.view(hub);
      const targets = targetsOf(state, target, name ?? '');
      const message = new OutboundMessage({ from: 'server', payload });
      for (const connection of targets) connection.deliver(message);
      state.tail?.record(state.name, target, target === 'all' ? undefined : name, 'server', undefined, payload, targets.length);
      return targets.length;
    },
    close: (hub, connectionId, reason) => {
      const connection = hubs.find(hub)?.connections.get(connectionId);
      connection?.close(reason);
      return connection !== undefined;
    },
  };
}

function targetsOf(hub: HubState, target: TailTarget, name: string): HubConnection[] {
  switch (target) {
    case 'all':
      return [...hub.connections.values()];
    case 'group':
      return hub.groupMembers(name);
    case 'user':
      return hub.userConnections(name);
    case 'connection': {
      const connection = hub.connections.get(name);
      return connection ? [connection] : [];
    }
  }
}

function hubView(hub: HubState): WebPubSubHubView {
  const limits = WEBPUBSUB_SNAPSHOT_LIMITS;
  const groups = new Map<string, number>();
  const users = new Map<string, number>();
  const connections: WebPubSubConnectionView[] = [];
  for (const connection of hub.connections.values()) {
    for (const group of connection.groups) if (groups.has(group) || groups.size < limits.groupsPerHub) groups.set(group, (groups.get(group) ?? 0) + 1);
    if (connection.userId !== undefined && (users.has(connection.userId) || users.size < limits.usersPerHub)) users.set(connection.userId, (users.get(connection.userId) ?? 0) + 1);
    if (connections.length < limits.connectionsPerHub) connections.push(connectionView(connection));
  }
  return {
    name: hub.name,
    connections,
    connectionCount: hub.connections.size,
    groups: [...groups].map(([name, members]) => ({ name, members })),
    users: [...users].map(([id, count]) => ({ id, connections: count })),
  };
}

function connectionView(connection: HubConnection): WebPubSubConnectionView {
  const groups = [...connection.groups];
  const client = connection instanceof ClientConnection ? connection : undefined;
  return {
    id: connection.id,
    ...(connection.userId === undefined ? {} : { userId: connection.userId }),
    ...(client?.subprotocol ? { subprotocol: client.subprotocol } : {}),
    groups: groups.slice(0, WEBPUBSUB_SNAPSHOT_LIMITS.groupsPerConnection),
    groupCount: groups.length,
    ...(client?.session ? { reliable: { messages: client.session.bufferedMessages, bytes: client.session.bufferedBytes } } : {}),
    online: client ? client.online : true,
  };
}
