import type { IncomingMessage } from 'node:http';
import { isRealtimeError } from '../../core/errors.js';
import { mintClientAccessToken } from '../../core/webpubsub/client-token.js';
import type { RestOperationName } from '../../core/webpubsub/rest-spec.js';
import { bodyToPayload, type MessagePayload } from '../../core/webpubsub/frames.js';
import { nodeHmac } from '../../node/hmac.js';
import type { HubConnection, HubState } from './hub-state.js';
import { compileFilter } from './odata-filter.js';
import { OutboundMessage } from './outbound-message.js';
import { PERMISSION_NAMES, type PermissionName } from './permissions.js';
import { badRequest, RestError } from './rest-http.js';

// What the emulator does for each hub-scoped operation of the data-plane REST API. The operations
// themselves — method, path, query parameters, success status — are core/webpubsub/rest-spec.ts,
// which the service client is built from too; the router matches requests by that table.

export interface RestParams {
  connectionId?: string;
  group?: string;
  userId?: string;
  permission?: string;
}

export interface RestContext {
  req: IncomingMessage;
  url: URL;
  /** The query parameters the operation takes (rest-spec.ts); others are ignored, as the service does. */
  accepts(parameter: string): boolean;
  hub: HubState;
  hubName: string;
  params: RestParams;
  endpoint: string;
  accessKey: string;
  body(): Promise<Uint8Array>;
}

/** Nothing (the operation's success status), a JSON body with it, or for a HEAD whether the thing exists (200 / 404). */
export type RestOutcome = void | { json: unknown } | { found: boolean };

type RestHandler = (context: RestContext) => RestOutcome | Promise<RestOutcome>;

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

/** Which targets an operation reaches (`excluded`, `filter`); undefined when it reaches them all. */
function selector(ctx: RestContext): ((c: HubConnection) => boolean) | undefined {
  const { url } = ctx;
  const excluded = new Set(ctx.accepts('excluded') ? url.searchParams.getAll('excluded') : []);
  const filterText = ctx.accepts('filter') ? url.searchParams.get('filter') : null;
  if (excluded.size === 0 && !filterText) return undefined;
  const filter = filterText ? compileFilter(filterText) : () => true;
  return (c) => !excluded.has(c.id) && filter({ connectionId: c.id, userId: c.userId, groups: c.groups });
}

async function send(ctx: RestContext, targets: Iterable<HubConnection>): Promise<void> {
  const select = selector(ctx);
  const expiry = expiresAt(ctx.url);
  const payload = await readSendPayload(ctx);
  // One message for every recipient: encoded and framed once per encoding (outbound-message.ts).
  const message = new OutboundMessage({ from: 'server', payload, ...(expiry === undefined ? {} : { expiresAt: expiry }) });
  let recipients = 0;
  for (const connection of targets) {
    if (select && !select(connection)) continue;
    connection.deliver(message);
    recipients++;
  }
  const { connectionId, userId, group } = ctx.params;
  const [target, name] = connectionId !== undefined ? (['connection', connectionId] as const) : userId !== undefined ? (['user', userId] as const) : group !== undefined ? (['group', group] as const) : (['all', undefined] as const);
  ctx.hub.tail?.record(ctx.hub.name, target, name, 'server', undefined, payload, recipients);
}

function closeAll(ctx: RestContext, targets: HubConnection[]): void {
  const select = selector(ctx);
  const reason = ctx.url.searchParams.get('reason') ?? undefined;
  for (const connection of targets) if (!select || select(connection)) connection.close(reason);
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


const all = (ctx: RestContext) => [...ctx.hub.connections.values()];
const connection = (ctx: RestContext) => ctx.hub.connections.get(ctx.params.connectionId!);

export const REST_HANDLERS: Record<RestOperationName, RestHandler> = {
  sendToAll: (ctx) => send(ctx, all(ctx)),
  closeAllConnections: (ctx) => closeAll(ctx, all(ctx)),
  addConnectionsToGroups: async (ctx) => {
    const { groups, filter } = await groupsBody(ctx);
    for (const each of all(ctx).filter(filter)) for (const group of groups) ctx.hub.join(each, group);
  },
  removeConnectionsFromGroups: async (ctx) => {
    const { groups, filter } = await groupsBody(ctx);
    for (const each of all(ctx).filter(filter)) for (const group of groups) ctx.hub.leave(each, group);
  },
  getClientAccessToken: async (ctx) => {
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
    return { json: { token } };
  },
  connectionExists: (ctx) => ({ found: ctx.hub.connections.has(ctx.params.connectionId!) }),
  closeConnection: (ctx) => connection(ctx)?.close(ctx.url.searchParams.get('reason') ?? undefined),
  sendToConnection: (ctx) => send(ctx, [connection(ctx)].filter((c) => c !== undefined)),
  removeConnectionFromAllGroups: (ctx) => {
    const found = connection(ctx);
    if (found) ctx.hub.leaveAll(found);
  },
  groupExists: (ctx) => ({ found: ctx.hub.groupExists(ctx.params.group!) }),
  'group.closeAllConnections': (ctx) => closeAll(ctx, ctx.hub.groupMembers(ctx.params.group!)),
  'group.sendToAll': (ctx) => send(ctx, ctx.hub.groupMembers(ctx.params.group!)),
  'group.listConnections': (ctx) => {
    const q = ctx.url.searchParams;
    const pageSize = q.has('maxpagesize') ? Number(q.get('maxpagesize')) : DEFAULT_PAGE_SIZE;
    const top = q.has('top') ? Number(q.get('top')) : Number.POSITIVE_INFINITY;
    const offset = q.has('continuationToken') ? Number(q.get('continuationToken')) : 0;
    if (!(pageSize >= 1 && pageSize <= 200) || !(top >= 0) || !Number.isInteger(offset) || offset < 0) throw badRequest('Invalid maxpagesize, top or continuationToken');
    const members = ctx.hub.groupMembers(ctx.params.group!);
    const end = Math.min(offset + pageSize, top, members.length);
    const value = members.slice(offset, Math.max(offset, end)).map((c) => ({ connectionId: c.id, ...(c.userId === undefined ? {} : { userId: c.userId }) }));
    if (end >= Math.min(top, members.length)) return { json: { value } };
    const next = new URL(ctx.url.pathname, ctx.endpoint);
    next.searchParams.set('api-version', q.get('api-version')!);
    next.searchParams.set('maxpagesize', String(pageSize));
    if (Number.isFinite(top)) next.searchParams.set('top', String(top));
    next.searchParams.set('continuationToken', String(end));
    return { json: { value, nextLink: next.toString() } };
  },
  'group.addConnection': (ctx) => {
    const found = connection(ctx);
    if (!found) throw new RestError(404, 'NotFound', 'The connection does not exist');
    ctx.hub.join(found, ctx.params.group!);
  },
  'group.removeConnection': (ctx) => {
    const found = connection(ctx);
    if (found) ctx.hub.leave(found, ctx.params.group!);
  },
  grantPermission: (ctx) => {
    const { connection: found, permission, target } = permissionOf(ctx);
    if (!found) throw new RestError(404, 'NotFound', 'The connection does not exist');
    found.permissions.grant(permission, target);
  },
  revokePermission: (ctx) => {
    const { connection: found, permission, target } = permissionOf(ctx);
    found?.permissions.revoke(permission, target);
  },
  hasPermission: (ctx) => {
    const { connection: found, permission, target } = permissionOf(ctx);
    return { found: found?.permissions.has(permission, target) ?? false };
  },
  userExists: (ctx) => ({ found: ctx.hub.userExists(ctx.params.userId!) }),
  closeUserConnections: (ctx) => closeAll(ctx, ctx.hub.userConnections(ctx.params.userId!)),
  sendToUser: (ctx) => send(ctx, ctx.hub.userConnections(ctx.params.userId!)),
  removeUserFromAllGroups: (ctx) => {
    for (const each of ctx.hub.userConnections(ctx.params.userId!)) ctx.hub.leaveAll(each);
  },
  'group.removeUser': (ctx) => {
    for (const each of ctx.hub.userConnections(ctx.params.userId!)) ctx.hub.leave(each, ctx.params.group!);
  },
  'group.addUser': (ctx) => {
    // Only the user's current connections join (maintainer, azure-webpubsub#325).
    const connections = ctx.hub.userConnections(ctx.params.userId!);
    if (connections.length === 0) throw new RestError(404, 'NotFound', 'The user has no connections');
    for (const each of connections) ctx.hub.join(each, ctx.params.group!);
  },
};
