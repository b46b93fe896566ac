import { describeValue } from '../errors.js';
import type { QueryValue, WebPubSubRestClient } from './rest-types.js';

// The data-plane operations as a table (docs/protocol/webpubsub.md §3): one generic invoker builds the path,
// query and body of every call, so the hub and group clients hold no per-operation request code.
// Their typed signatures are declared next to the classes (service-client.ts, group-client.ts).

/**
 * [method, path under `/api/hubs/{hub}/`, query parameters, body, argument order].
 * `{name}` placeholders take the leading arguments in the order they appear in the path (or in the
 * order of the fifth field); `message` / `groups` bodies take the next one or two; options come last.
 * The query parameter `excluded` is read from `options.excludedConnections`, the others by their name.
 */
export type Operation = readonly [method: string, path: string, query?: string, body?: 'message' | 'groups', args?: string];

const SEND_QUERY = 'excluded filter messageTtlSeconds';
const PERMISSION = 'permissions/{permission}/connections/{connectionId}';

export const HUB_OPERATIONS = {
  sendToAll: ['POST', ':send', SEND_QUERY, 'message'],
  // No `excluded` when sending to a user (docs/protocol/webpubsub.md §3 row 22).
  sendToUser: ['POST', 'users/{userId}/:send', 'filter messageTtlSeconds', 'message'],
  sendToConnection: ['POST', 'connections/{connectionId}/:send', 'messageTtlSeconds', 'message'],
  connectionExists: ['HEAD', 'connections/{connectionId}'],
  groupExists: ['HEAD', 'groups/{group}'],
  userExists: ['HEAD', 'users/{userId}'],
  closeConnection: ['DELETE', 'connections/{connectionId}', 'reason'],
  closeAllConnections: ['POST', ':closeConnections', 'excluded reason'],
  closeUserConnections: ['POST', 'users/{userId}/:closeConnections', 'excluded reason'],
  removeUserFromAllGroups: ['DELETE', 'users/{userId}/groups'],
  removeConnectionFromAllGroups: ['DELETE', 'connections/{connectionId}/groups'],
  // An empty filter selects every connection of the hub (docs/protocol/webpubsub.md §3).
  addConnectionsToGroups: ['POST', ':addToGroups', '', 'groups'],
  removeConnectionsFromGroups: ['POST', ':removeFromGroups', '', 'groups'],
  // `targetName` is a group; omitted means every group (docs/protocol/webpubsub.md §3).
  grantPermission: ['PUT', PERMISSION, 'targetName', undefined, 'connectionId permission'],
  revokePermission: ['DELETE', PERMISSION, 'targetName', undefined, 'connectionId permission'],
  hasPermission: ['HEAD', PERMISSION, 'targetName', undefined, 'connectionId permission'],
} satisfies Record<string, Operation>;

/** `{group}` is bound by the group client. */
export const GROUP_OPERATIONS = {
  addConnection: ['PUT', 'groups/{group}/connections/{connectionId}'],
  removeConnection: ['DELETE', 'groups/{group}/connections/{connectionId}'],
  closeAllConnections: ['POST', 'groups/{group}/:closeConnections', 'excluded reason'],
  // Adds the user's current connections only, not later ones (docs/protocol/webpubsub.md §3).
  addUser: ['PUT', 'users/{userId}/groups/{group}'],
  removeUser: ['DELETE', 'users/{userId}/groups/{group}'],
  sendToAll: ['POST', 'groups/{group}/:send', SEND_QUERY, 'message'],
} satisfies Record<string, Operation>;

const PERMISSIONS = ['joinLeaveGroup', 'sendToGroup'];

export function pathSegment(value: unknown, name: string): string {
  const permission = name === 'permission';
  if (typeof value !== 'string' || !value || (permission && !PERMISSIONS.includes(value))) {
    throw new TypeError(`expected ${permission ? 'permission joinLeaveGroup or sendToGroup' : `${name} to be a non-empty string`}, got ${describeValue(value)}`);
  }
  return encodeURIComponent(value);
}

export function hubPath(hub: string): string {
  return `api/hubs/${encodeURIComponent(hub)}/`;
}

/**
 * Runs one operation; `args` are the method's arguments. Rejects with a TypeError before any request
 * when an argument is bad, else with the transport's RealtimeError.
 */
export async function invoke(rest: WebPubSubRestClient, hub: string, operation: string, spec: Operation, args: unknown[], bound: Record<string, string> = {}): Promise<Response> {
  const [method, path, query = '', body, order] = spec;
  const values: Record<string, unknown> = { ...bound };
  const names = order?.split(' ') ?? (path.match(/\w+(?=})/g) ?? []).filter((name) => !(name in bound));
  names.forEach((name, index) => (values[name] = args[index]));
  const remaining = args.slice(names.length);
  const options = (remaining[body === 'message' ? 1 : body === 'groups' ? 2 : 0] ?? {}) as Record<string, unknown> & { abortSignal?: AbortSignal };
  const parameters: Record<string, QueryValue> = {};
  for (const name of query.split(' ')) if (name) parameters[name] = options[name === 'excluded' ? 'excludedConnections' : name] as QueryValue;
  const url = rest.url(hubPath(hub) + path.replace(/{(\w+)}/g, (_, name: string) => pathSegment(values[name], name)), parameters);
  const content = body === 'message' ? messageBody(remaining[0], options.contentType) : body === 'groups' ? groupsBody(remaining[0], remaining[1]) : undefined;
  return rest.send(operation, method, url, options.abortSignal, content?.body, content?.contentType);
}

/**
 * Installs the table's operations as methods of `target` (non-enumerable, as class methods are).
 * `context` gives the transport, hub, bound placeholders and error-message prefix of an instance.
 */
export function defineOperations<T>(target: { prototype: T }, table: Record<string, Operation>, context: (self: T) => [WebPubSubRestClient, string, Record<string, string>, string]): void {
  for (const [name, spec] of Object.entries(table)) {
    Object.defineProperty(target.prototype, name, {
      configurable: true,
      writable: true,
      async value(this: T, ...args: unknown[]) {
        const [rest, hub, bound, prefix] = context(this);
        const response = await invoke(rest, hub, prefix + name, spec, args, bound);
        // HEAD answers 200 or 404: the exists checks and hasPermission resolve to a boolean.
        return spec[0] === 'HEAD' ? response.status !== 404 : undefined;
      },
    });
  }
}

export type JSONTypes = string | number | boolean | object;

/** Content type as @azure/web-pubsub picks it (docs/protocol/webpubsub.md §3 "Send bodies"): text when asked, bytes as octet-stream, else JSON. */
export function messageBody(message: unknown, contentType: unknown): { body: BodyInit; contentType: string } {
  if (contentType === undefined) {
    // ArrayBuffer (also from another realm), typed-array views and Blobs are bytes; fetch takes each as a body.
    if (ArrayBuffer.isView(message) || message instanceof ArrayBuffer || (typeof Blob !== 'undefined' && message instanceof Blob) || Object.prototype.toString.call(message) === '[object ArrayBuffer]') {
      return { body: message as BodyInit, contentType: 'application/octet-stream' };
    }
    const json = JSON.stringify(message);
    if (json !== undefined) return { body: json, contentType: 'application/json' };
  } else if (contentType === 'text/plain' && typeof message === 'string') {
    return { body: message, contentType };
  }
  throw new TypeError(`expected a JSON-serialisable value, bytes, or a string with contentType text/plain, got ${describeValue(message)}`);
}

function groupsBody(groups: unknown, filter: unknown): { body: string; contentType: string } {
  if (!Array.isArray(groups) || groups.some((group) => typeof group !== 'string' || !group)) {
    throw new TypeError(`expected groups to be an array of non-empty strings, got ${describeValue(groups)}`);
  }
  return { body: JSON.stringify({ groups, filter }), contentType: 'application/json' };
}
