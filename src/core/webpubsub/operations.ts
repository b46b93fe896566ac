import { describeValue } from '../errors.js';
import { REST_OPERATIONS, restPath, type RestOperation } from './rest-spec.js';
import type { QueryValue, WebPubSubRestClient } from './rest-types.js';

// The service client's table-driven methods: one per REST operation (rest-spec.ts, shared with the
// emulator), and one generic invoker that builds the path, query and body of every call, so the hub
// and group clients hold no per-operation request code. Their typed signatures are declared next to
// the classes (service-client.ts, group-client.ts).
//
// Path parameters take the leading arguments in path order, except that the SDK takes a connection
// id first wherever it takes one (grantPermission(connectionId, permission)); `message` / `groups`
// bodies take the next one or two; options come last. The query parameter `excluded` is read from
// `options.excludedConnections`, the others by their name.

const PERMISSIONS = ['joinLeaveGroup', 'sendToGroup'];

export function pathSegment(value: unknown, name: string): string {
  const permission = name === 'permission';
  if (typeof value !== 'string' || !value || (permission && !PERMISSIONS.includes(value))) {
    throw new TypeError(`expected ${permission ? 'permission joinLeaveGroup or sendToGroup' : `${name} to be a non-empty string`}, got ${describeValue(value)}`);
  }
  return encodeURIComponent(value);
}

/**
 * Runs one operation; `args` are the method's arguments. Rejects with a TypeError before any request
 * when an argument is bad, else with the transport's RealtimeError.
 */
export async function invoke(rest: WebPubSubRestClient, hub: string, operation: string, spec: RestOperation, args: unknown[], bound: Record<string, string> = {}): Promise<Response> {
  const [method, path, query, , body] = spec;
  const values: Record<string, unknown> = { ...bound };
  const names = (path.match(/\w+(?=})/g) ?? []).filter((name) => !(name in bound)).sort((a, b) => Number(b === 'connectionId') - Number(a === 'connectionId'));
  names.forEach((name, index) => (values[name] = args[index]));
  const remaining = args.slice(names.length);
  const options = (remaining[body === 'message' ? 1 : body === 'groups' ? 2 : 0] ?? {}) as Record<string, unknown> & { abortSignal?: AbortSignal };
  const parameters: Record<string, QueryValue> = {};
  for (const name of query.split(' ')) if (name) parameters[name] = options[name === 'excluded' ? 'excludedConnections' : name] as QueryValue;
  const url = rest.url(restPath(hub, spec, (name) => pathSegment(values[name], name)), parameters);
  const content = body === 'message' ? messageBody(remaining[0], options.contentType) : body === 'groups' ? groupsBody(remaining[0], remaining[1]) : undefined;
  return rest.send(operation, method, url, options.abortSignal, content?.body, content?.contentType);
}

/**
 * Installs the table's operations as methods of `target` (non-enumerable, as class methods are).
 * `context` gives the transport, hub, bound placeholders and error-message prefix of an instance.
 */
export function defineOperations<T extends object>(target: { prototype: T }, prefix: '' | 'group.', context: (self: T) => [WebPubSubRestClient, string, Record<string, string>]): void {
  for (const [operation, spec] of Object.entries(REST_OPERATIONS) as Array<[string, RestOperation]>) {
    const name = operation.slice(prefix.length);
    // Another prefix's operation, or one the class writes itself (getClientAccessToken, listConnections).
    if (!operation.startsWith(prefix) || name.includes('.') || name in target.prototype) continue;
    Object.defineProperty(target.prototype, name, {
      configurable: true,
      writable: true,
      async value(this: T, ...args: unknown[]) {
        const [rest, hub, bound] = context(this);
        const response = await invoke(rest, hub, operation, spec, args, bound);
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
