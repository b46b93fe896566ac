import { utf8Decode } from '../encoding.js';
import { RealtimeError, describeValue, isRealtimeError } from '../errors.js';
import {
  CE_SYSTEM_EVENTS,
  CE_TYPE_PREFIX,
  CE_USER_EVENT_PREFIX,
  encodeConnectionState,
  readConnectionContext,
  verifyEventSignature,
  type ConnectionContext,
} from './cloud-events.js';
import { parseWebPubSubConnectionString } from '../connection-string.js';
import { hmacOf, type RuntimeOption } from '../runtime.js';
import type { HmacSha256 } from '../runtime-types.js';

// The upstream event handler as a fetch handler `(Request) => Promise<Response>` (docs/protocol/webpubsub.md §5):
// abuse protection, `ce-signature` verification (which @azure/web-pubsub-express leaves to the app),
// and dispatch of connect / connected / disconnected / user events with typed contexts.

export interface ConnectRequest {
  context: ConnectionContext;
  claims?: Record<string, string[]>;
  query?: Record<string, string[]>;
  headers?: Record<string, string[]>;
  subprotocols?: string[];
  clientCertificates?: { thumbprint: string; content?: string }[];
  /** MQTT clients only. */
  mqtt?: { protocolVersion: number; username?: string; password?: string; userProperties?: { name: string; value: string }[] };
}
/** 200 JSON to the service; return nothing for 204. Reject with `throw new RealtimeError('unauthorized', msg, { status: 401 })`. */
export interface ConnectResponse {
  userId?: string;
  groups?: string[];
  roles?: string[];
  subprotocol?: string;
}
export type UserEventRequest = { context: ConnectionContext } & (
  | { dataType: 'text'; data: string }
  | { dataType: 'json'; data: unknown }
  | { dataType: 'binary'; data: Uint8Array }
);
/** Sent back to the caller (docs/protocol/webpubsub.md §5): text, JSON (any value) or bytes. Return nothing for 204. */
export type UserEventResponse = { dataType: 'text'; data: string } | { dataType: 'json'; data: unknown } | { dataType: 'binary'; data: Uint8Array | ArrayBuffer };
export interface ConnectedRequest {
  context: ConnectionContext;
}
export interface DisconnectedRequest {
  context: ConnectionContext;
  reason?: string;
}

type MaybePromise<T> = T | Promise<T>;

export interface WebPubSubEventHandlerOptions extends RuntimeOption {
  hub: string;
  /** The keys that may sign `ce-signature` (primary and secondary). Or give `connectionString`. */
  accessKeys?: string[];
  connectionString?: string;
  /** Service endpoints allowed by abuse protection; default any (`WebHook-Allowed-Origin: *`). */
  allowedEndpoints?: string[];
  /** Answer only this path (case-insensitive, trailing slash optional); others get 404. Default: any path. */
  path?: string;
  handleConnect?: (request: ConnectRequest) => MaybePromise<ConnectResponse | void>;
  handleUserEvent?: (request: UserEventRequest) => MaybePromise<UserEventResponse | void>;
  onConnected?: (request: ConnectedRequest) => MaybePromise<void>;
  onDisconnected?: (request: DisconnectedRequest) => MaybePromise<void>;
  /** Shorthand for `runtime.hmac`: checks `ce-signature`. */
  hmac?: HmacSha256;
}

export type FetchHandler = (request: Request) => Promise<Response>;

const REJECT_STATUSES = new Set([400, 401, 403, 404, 429, 500]);

function text(status: number, body = '', headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : body, { status, headers: body ? { 'content-type': 'text/plain; charset=utf-8', ...headers } : headers });
}

function normalisePath(path: string): string {
  return path.toLowerCase().replace(/\/+$/, '');
}

export function createWebPubSubEventHandler(options: WebPubSubEventHandlerOptions): FetchHandler {
  if (typeof options?.hub !== 'string' || options.hub.length === 0) throw new TypeError(`expected hub to be a non-empty string, got ${describeValue(options?.hub)}`);
  const keys = options.accessKeys ?? (options.connectionString ? [parseWebPubSubConnectionString(options.connectionString).accessKey] : []);
  if (keys.length === 0 || keys.some((k) => typeof k !== 'string' || k.length === 0)) {
    throw new TypeError('expected accessKeys or connectionString: ce-signature is verified against the access key(s)');
  }
  const allowedHosts = options.allowedEndpoints?.map((endpoint) => new URL(endpoint).host.toLowerCase());
  const path = options.path === undefined ? undefined : normalisePath(options.path);
  const hmac = hmacOf(options);

  const abuseProtection = (request: Request): Response => {
    const origin = request.headers.get('webhook-request-origin');
    if (!origin) return text(400, 'expected a WebHook-Request-Origin header');
    if (!allowedHosts) return text(200, '', { 'webhook-allowed-origin': '*' });
    return allowedHosts.includes(origin.toLowerCase()) ? text(200, '', { 'webhook-allowed-origin': origin }) : text(403, 'origin not allowed');
  };

  const dispatch = async (request: Request): Promise<Response> => {
    const type = request.headers.get('ce-type') ?? '';
    if (!request.headers.get('ce-awpsversion') || !type.startsWith(CE_TYPE_PREFIX)) return text(400, 'expected a Web PubSub CloudEvent (ce-awpsversion, ce-type azure.webpubsub.*)');
    const context = readConnectionContext(request.headers);
    // Verified before any body is read or handler runs: unsigned or tampered events never reach the app.
    if (!(await verifyEventSignature(request.headers.get('ce-signature'), context.connectionId, keys, hmac))) {
      return text(401, 'ce-signature does not match the access key');
    }
    if (context.hub.toLowerCase() !== options.hub.toLowerCase()) return text(404, 'not this handler\'s hub');
    const withState = (response: Response) => {
      if (context.stateChanged()) response.headers.set('ce-connectionstate', encodeConnectionState(context.states));
      return response;
    };
    const publicContext: ConnectionContext = { ...context };
    delete (publicContext as Partial<typeof context>).stateChanged;
    if (type === CE_SYSTEM_EVENTS.connect) {
      const body = (await readJson(request)) as Omit<ConnectRequest, 'context'>;
      let result: ConnectResponse | void;
      try {
        result = options.handleConnect ? await options.handleConnect({ ...body, context: publicContext }) : undefined;
      } catch (error) {
        if (publicContext.clientProtocol === 'mqtt') return mqttConnectError(error, body.mqtt?.protocolVersion);
        throw error;
      }
      if (!result) return withState(text(204));
      const { userId, groups, roles, subprotocol } = result;
      return withState(Response.json({ userId, groups, roles, subprotocol }));
    }
    if (type === CE_SYSTEM_EVENTS.connected) {
      await options.onConnected?.({ context: publicContext });
      return text(204);
    }
    if (type === CE_SYSTEM_EVENTS.disconnected) {
      const body = (await readJson(request)) as { reason?: string };
      await options.onDisconnected?.(body.reason === undefined ? { context: publicContext } : { context: publicContext, reason: body.reason });
      return text(204);
    }
    if (type.startsWith(CE_USER_EVENT_PREFIX)) {
      const event = await readUserEvent(request, publicContext);
      const result = options.handleUserEvent ? await options.handleUserEvent(event) : undefined;
      return withState(result ? userEventResponse(result) : text(204));
    }
    return text(400, `unknown event type ${type.slice(0, 100)}`);
  };

  return async (request) => {
    try {
      if (path !== undefined && normalisePath(new URL(request.url).pathname) !== path) return text(404);
      if (request.method === 'OPTIONS' || (request.method === 'GET' && request.headers.has('webhook-request-origin'))) return abuseProtection(request);
      if (request.method !== 'POST') return text(405, 'expected OPTIONS or POST', { allow: 'OPTIONS, POST' });
      return await dispatch(request);
    } catch (error) {
      // A handler's RealtimeError with a 4xx/500 status rejects (connect: the handshake fails with it).
      if (isRealtimeError(error) && error.status !== undefined && REJECT_STATUSES.has(error.status)) return text(error.status, error.message);
      return text(500, 'event handler failed');
    }
  };
}

// MQTT clients get their rejection as `{mqtt: {code, reason}}` (docs/protocol/webpubsub.md §5), with the CONNACK code for
// the status as @azure/web-pubsub-express 1.1 maps it: 3.1.1 (version 4) 400→4, 401→5, else 3;
// 5.0 (version 5) 400→0x86, 401→0x87, else 0x80.
function mqttConnectError(error: unknown, protocolVersion: number | undefined): Response {
  const rejected = isRealtimeError(error) && error.status !== undefined && REJECT_STATUSES.has(error.status);
  const status = rejected ? error.status! : 500;
  const reason = rejected ? error.message : 'event handler failed';
  const code = protocolVersion === 5 ? ({ 400: 0x86, 401: 0x87 } as Record<number, number>)[status] ?? 0x80 : ({ 400: 4, 401: 5 } as Record<number, number>)[status] ?? 3;
  return Response.json({ mqtt: { code, reason } }, { status });
}

async function readJson(request: Request): Promise<Record<string, unknown>> {
  const body = await request.text();
  if (body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new RealtimeError('protocol', 'expected a JSON object body', { status: 400 });
}

async function readUserEvent(request: Request, context: ConnectionContext): Promise<UserEventRequest> {
  const contentType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const bytes = new Uint8Array(await request.arrayBuffer());
  const bad = (what: string) => new RealtimeError('protocol', what, { status: 400 });
  if (contentType === 'application/octet-stream') return { context, dataType: 'binary', data: bytes };
  let textBody: string;
  try {
    textBody = utf8Decode(bytes);
  } catch {
    throw bad('expected a UTF-8 body');
  }
  if (contentType === 'text/plain') return { context, dataType: 'text', data: textBody };
  if (contentType === 'application/json') {
    try {
      return { context, dataType: 'json', data: JSON.parse(textBody) };
    } catch {
      throw bad('expected a JSON body');
    }
  }
  throw bad('expected Content-Type text/plain, application/json or application/octet-stream');
}

function userEventResponse(result: UserEventResponse): Response {
  switch (result.dataType) {
    case 'text':
      return new Response(result.data, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    case 'json':
      return new Response(JSON.stringify(result.data), { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' } });
    case 'binary':
      return new Response(result.data as BodyInit, { status: 200, headers: { 'content-type': 'application/octet-stream' } });
    default:
      throw new TypeError(`expected a user event response with dataType text, json or binary, got ${describeValue((result as { dataType: unknown }).dataType)}`);
  }
}
