import type { IncomingMessage } from 'node:http';
import { isRealtimeError } from '../../core/errors.js';
import { mintClientAccessToken } from '../../core/webpubsub/client-token.js';
import { bodyToPayload, type MessagePayload } from '../../core/webpubsub/frames.js';
import { nodeHmac } from '../../node/hmac.js';
import type { HubConnection, HubState } from './hub-state.js';
import { compileFilter } from './odata-filter.js';
import { PERMISSION_NAMES, type PermissionName } from './permissions.js';
import { badRequest, RestError } from './rest-http.js';

// The 24 hub-scoped operations of the data-plane REST API (docs/protocol/webpubsub.md §3 table; the 25th is
// HEAD /api/health in the router). Status codes as the service returns them; sends are
// fire-and-forget (202 even for a missing target).

export interface RestParams {
  connectionId?: string;
  group?: string;
  userId?: string;
  permission?: string;
}

export interface RestContext {
  req: IncomingMessage;
  url: URL;
  hub: HubState;
  hubName: string;
  params: RestParams;
  endpoint: string;
  accessKey: string;
  body(): Promise<Uint8Array>;
}

interface RestOperation {
  name: string;
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  path: string[];
  run(context: RestContext): Promise<{ status: number; json?: unknown }>;
}

const SEND_CONTENT_TYPES = ['application/json', 'text/plain', 'application/octet-stream'];
const DEFAULT_PAGE_SIZE = 200;

async function readSendPayload(ctx: RestContext): Promise<MessagePayload> {
  const contentType = (ctx.req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!SEND_CONTENT_TYPES.includes(contentType)) {
    throw new RestError(415, 'UnsupportedMediaType', 'Content-Type must be application/json, text/plain or application/octet-stream');
  }
  const body = await ctx.body();
  try {
    return bodyToPayload(contentType, body);
  } catch (error) {
    if (isRealtimeError(error, 'protocol')) throw badRequest('The request body is not valid for its Content-Type');
    throw error;
  }
}

/** messageTtlSeconds: 0 (never expires, the default) to 300. */
function expiresAt(url: URL): number | undefined {
  const raw = url.searchParams.get('messageTtlSeconds');
  if (raw === null) return undefined;
  const ttl = Number(raw);
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 300) throw badRequest('messageTtlSeconds must be an integer from 0 to 300');
  return ttl === 0 ? undefined : Date.now() + ttl * 1000;
}

function selector(url: URL, allowExcluded = true): (c: HubConnection) => boolean {
  const excluded = new Set(allowExcluded ? url.searchParams.getAll('excluded') : []);
  const filterText = url.searchParams.get('filter');
  const filter = filterText ? compileFilter(filterText) : () => true;
  return (c) => !excluded.has(c.id) && filter({ connectionId: c.id, userId: c.userId, groups: c.groups });
}

async function send(ctx: RestContext, targets: HubConnection[], allowExcluded = true): Promise<{ status: number }> {
  const select = selector(ctx.url, allowExcluded);
  const expiry = expiresAt(ctx.url);
  const payload = await readSendPayload(ctx);
  let recipients = 0;
  for (const connection of targets) {
    if (!select(connection)) continue;
    connection.deliver({ from: 'server', payload, ...(expiry === undefined ? {} : { expiresAt: expiry }) });
    recipients++;
  }
  const { connectionId, userId, group } = ctx.params;
  const [target, name] = connectionId !== undefined ? (['connection', connectionId] as const) : userId !== undefined ? (['user', userId] as const) : group !== undefined ? (['group', group] as const) : (['all', undefined] as const);
  ctx.hub.tail?.record(ctx.hub.name, target, name, 'server', undefined, payload, recipients);
  return { status: 202 };
}

function closeAll(ctx: RestContext, targets: HubConnection[]): { status: number } {
  const select = selector(ctx.url);
  const reason = ctx.url.searchParams.get('reason') ?? undefined;
  for (const connection of targets) if (select(connection)) connection.close(reason);
  return { status: 204 };
}

async function groupsBody(ctx: RestContext): Promise<{ groups: string[]; filter: (c: HubConnection) => boolean }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(await ctx.body()));
  } catch {
    throw badRequest('Expected a JSON body {"groups": [...], "filter": "..."}');
  }
  const { groups, filter } = (parsed ?? {}) as { groups?: unknown; filter?: unknown };
  if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string' || g.trim().length === 0 || g.length > 1024)) {
    throw badRequest('groups must be an array of group names');
  }
  if (filter !== undefined && filter !== null && typeof filter !== 'string') throw badRequest('filter must be a string');
  // An omitted or empty filter selects every connection (docs/protocol/webpubsub.md §3).
  const predicate = typeof filter === 'string' && filter.trim() ? compileFilter(filter) : () => true;
  return { groups, filter: (c) => predicate({ connectionId: c.id, userId: c.userId, groups: c.groups }) };
}

function permissionOf(ctx: RestContext): { connection: HubConnection | undefined; permission: PermissionName; target: string | undefined } {
  const name = PERMISSION_NAMES.find((p) => p.toLowerCase() === ctx.params.permission!.toLowerCase());
  if (!name) throw badRequest('permission must be sendToGroup or joinLeaveGroup');
  return { connection: ctx.hub.connections.get(ctx.params.connectionId!), permission: name, target: ctx.url.searchParams.get('targetName') ?? undefined };
}

const exists = (found: boolean) => ({ status: found ? 200 : 404 });

export const REST_OPERATIONS: RestOperation[] = [
  { name: 'sendToAll', method: 'POST', path: [':send'], run: (ctx) => send(ctx, [...ctx.hub.connections.values()]) },
  { name: 'closeAllConnections', method: 'POST', path: [':closeConnections'], run: async (ctx) => closeAll(ctx, [...ctx.hub.connections.values()]) },
  {
    name: 'addConnectionsToGroups',
    method: 'POST',
    path: [':addToGroups'],
    run: async (ctx) => {
      const { groups, filter } = await groupsBody(ctx);
      for (const connection of [...ctx.hub.connections.values()].filter(filter)) for (const group of groups) ctx.hub.join(connection, group);
      return { status: 200 };
    },
  },
  {
    name: 'removeConnectionsFromGroups',
    method: 'POST',
    path: [':removeFromGroups'],
    run: async (ctx) => {
      const { groups, filter } = await groupsBody(ctx);
      for (const connection of [...ctx.hub.connections.values()].filter(filter)) for (const group of groups) ctx.hub.leave(connection, group);
      return { status: 200 };
    },
  },
  {
    name: 'generateClientToken',
    method: 'POST',
    path: [':generateToken'],
    run: async (ctx) => {
      const q = ctx.url.searchParams;
      const minutes = q.has('minutesToExpire') ? Number(q.get('minutesToExpire')) : 60;
      if (!Number.isInteger(minutes) || minutes < 1) throw badRequest('minutesToExpire must be an integer >= 1');
      const clientType = (q.get('clientType') ?? 'Default').toLowerCase();
      if (clientType !== 'default' && clientType !== 'mqtt') throw badRequest('clientType must be Default or MQTT');
      const userId = q.get('userId') ?? undefined;
      const roles = q.getAll('role');
      const groups = q.getAll('group');
      const { token } = await mintClientAccessToken({
        endpoint: ctx.endpoint,
        hub: ctx.hubName,
        accessKey: ctx.accessKey,
        hmac: nodeHmac,
        expirationTimeInMinutes: minutes,
        clientProtocol: clientType === 'mqtt' ? 'mqtt' : 'default',
        ...(userId ? { userId } : {}),
        ...(roles.length ? { roles } : {}),
        ...(groups.length ? { groups } : {}),
      });
      return { status: 200, json: { token } };
    },
  },
  { name: 'connectionExists', method: 'HEAD', path: ['connections', '{connectionId}'], run: async (ctx) => exists(ctx.hub.connections.has(ctx.params.connectionId!)) },
  {
    name: 'closeConnection',
    method: 'DELETE',
    path: ['connections', '{connectionId}'],
    run: async (ctx) => {
      ctx.hub.connections.get(ctx.params.connectionId!)?.close(ctx.url.searchParams.get('reason') ?? undefined);
      return { status: 204 };
    },
  },
  {
    name: 'sendToConnection',
    method: 'POST',
    path: ['connections', '{connectionId}', ':send'],
    run: (ctx) => send(ctx, [ctx.hub.connections.get(ctx.params.connectionId!)].filter((c) => c !== undefined), false),
  },
  {
    name: 'removeConnectionFromAllGroups',
    method: 'DELETE',
    path: ['connections', '{connectionId}', 'groups'],
    run: async (ctx) => {
      const connection = ctx.hub.connections.get(ctx.params.connectionId!);
      if (connection) ctx.hub.leaveAll(connection);
      return { status: 204 };
    },
  },
  { name: 'groupExists', method: 'HEAD', path: ['groups', '{group}'], run: async (ctx) => exists(ctx.hub.groupExists(ctx.params.group!)) },
  { name: 'closeGroupConnections', method: 'POST', path: ['groups', '{group}', ':closeConnections'], run: async (ctx) => closeAll(ctx, ctx.hub.groupMembers(ctx.params.group!)) },
  { name: 'sendToGroup', method: 'POST', path: ['groups', '{group}', ':send'], run: (ctx) => send(ctx, ctx.hub.groupMembers(ctx.params.group!)) },
  {
    name: 'listConnectionsInGroup',
    method: 'GET',
    path: ['groups', '{group}', 'connections'],
    run: async (ctx) => {
      const q = ctx.url.searchParams;
      const pageSize = q.has('maxpagesize') ? Number(q.get('maxpagesize')) : DEFAULT_PAGE_SIZE;
      const top = q.has('top') ? Number(q.get('top')) : Number.POSITIVE_INFINITY;
      const offset = q.has('continuationToken') ? Number(q.get('continuationToken')) : 0;
      if (!(pageSize >= 1 && pageSize <= 200) || !(top >= 0) || !Number.isInteger(offset) || offset < 0) throw badRequest('Invalid maxpagesize, top or continuationToken');
      const members = ctx.hub.groupMembers(ctx.params.group!);
      const end = Math.min(offset + pageSize, top, members.length);
      const value = members.slice(offset, Math.max(offset, end)).map((c) => ({ connectionId: c.id, ...(c.userId === undefined ? {} : { userId: c.userId }) }));
      if (end >= Math.min(top, members.length)) return { status: 200, json: { value } };
      const next = new URL(ctx.url.pathname, ctx.endpoint);
      next.searchParams.set('api-version', q.get('api-version')!);
      next.searchParams.set('maxpagesize', String(pageSize));
      if (Number.isFinite(top)) next.searchParams.set('top', String(top));
      next.searchParams.set('continuationToken', String(end));
      return { status: 200, json: { value, nextLink: next.toString() } };
    },
  },
  {
    name: 'addConnectionToGroup',
    method: 'PUT',
    path: ['groups', '{group}', 'connections', '{connectionId}'],
    run: async (ctx) => {
      const connection = ctx.hub.connections.get(ctx.params.connectionId!);
      if (!connection) throw new RestError(404, 'NotFound', 'The connection does not exist');
      ctx.hub.join(connection, ctx.params.group!);
      return { status: 200 };
    },
  },
  {
    name: 'removeConnectionFromGroup',
    method: 'DELETE',
    path: ['groups', '{group}', 'connections', '{connectionId}'],
    run: async (ctx) => {
      const connection = ctx.hub.connections.get(ctx.params.connectionId!);
      if (connection) ctx.hub.leave(connection, ctx.params.group!);
      return { status: 204 };
    },
  },
  {
    name: 'grantPermission',
    method: 'PUT',
    path: ['permissions', '{permission}', 'connections', '{connectionId}'],
    run: async (ctx) => {
      const { connection, permission, target } = permissionOf(ctx);
      if (!connection) throw new RestError(404, 'NotFound', 'The connection does not exist');
      connection.permissions.grant(permission, target);
      return { status: 200 };
    },
  },
  {
    name: 'revokePermission',
    method: 'DELETE',
    path: ['permissions', '{permission}', 'connections', '{connectionId}'],
    run: async (ctx) => {
      const { connection, permission, target } = permissionOf(ctx);
      connection?.permissions.revoke(permission, target);
      return { status: 204 };
    },
  },
  {
    name: 'checkPermission',
    method: 'HEAD',
    path: ['permissions', '{permission}', 'connections', '{connectionId}'],
    run: async (ctx) => {
      const { connection, permission, target } = permissionOf(ctx);
      return exists(connection?.permissions.has(permission, target) ?? false);
    },
  },
  { name: 'userExists', method: 'HEAD', path: ['users', '{userId}'], run: async (ctx) => exists(ctx.hub.userExists(ctx.params.userId!)) },
  { name: 'closeUserConnections', method: 'POST', path: ['users', '{userId}', ':closeConnections'], run: async (ctx) => closeAll(ctx, ctx.hub.userConnections(ctx.params.userId!)) },
  // sendToUser takes no `excluded` (docs/protocol/webpubsub.md §3 table).
  { name: 'sendToUser', method: 'POST', path: ['users', '{userId}', ':send'], run: (ctx) => send(ctx, ctx.hub.userConnections(ctx.params.userId!), false) },
  {
    name: 'removeUserFromAllGroups',
    method: 'DELETE',
    path: ['users', '{userId}', 'groups'],
    run: async (ctx) => {
      for (const connection of ctx.hub.userConnections(ctx.params.userId!)) ctx.hub.leaveAll(connection);
      return { status: 204 };
    },
  },
  {
    name: 'removeUserFromGroup',
    method: 'DELETE',
    path: ['users', '{userId}', 'groups', '{group}'],
    run: async (ctx) => {
      for (const connection of ctx.hub.userConnections(ctx.params.userId!)) ctx.hub.leave(connection, ctx.params.group!);
      return { status: 204 };
    },
  },
  {
    name: 'addUserToGroup',
    method: 'PUT',
    path: ['users', '{userId}', 'groups', '{group}'],
    run: async (ctx) => {
      // Only the user's current connections join (maintainer, azure-webpubsub#325).
      const connections = ctx.hub.userConnections(ctx.params.userId!);
      if (connections.length === 0) throw new RestError(404, 'NotFound', 'The user has no connections');
      for (const connection of connections) ctx.hub.join(connection, ctx.params.group!);
      return { status: 200 };
    },
  },
];
