import { utf8Encode } from '../encoding.js';
import { RealtimeError, describeValue } from '../errors.js';

// The Relay Hybrid Connections control-channel codec (relay note §1.3–1.6). Pure: text in,
// message out, shared by the listener/sender in src/core/relay and the emulator. Body frames
// are plain binary WebSocket messages and need no codec.

/** Request/response bodies up to this size may travel on the control channel (note §1.5). */
export const CONTROL_CHANNEL_BODY_LIMIT = 64 * 1024;
/** Header metadata (method, target, headers) limit on the control channel (note §1.5). */
export const CONTROL_CHANNEL_HEADER_LIMIT = 32 * 1024;
/** Largest control text frame we decode: header metadata plus envelope slack. */
export const CONTROL_MESSAGE_MAX_LENGTH = 64 * 1024;
/** The service gives a rendezvous address about 30 s (note §1.3). */
export const RENDEZVOUS_LIFETIME_MS = 30_000;
/** Every HTTP request needs a `response` within 60 s (note §1.5). */
export const HTTP_RESPONSE_DEADLINE_MS = 60_000;
/** Concurrent listeners per hybrid connection (note §1.1). */
export const MAX_LISTENERS_PER_ENTITY = 25;

export interface RemoteEndpoint {
  address: string;
  port: number;
}

export type HeaderMap = Record<string, string>;

/** Service → listener: a sender wants a WebSocket; dial `address` to accept (note §1.3). */
export interface AcceptMessage {
  type: 'accept';
  address: string;
  id: string;
  connectHeaders: HeaderMap;
  remoteEndpoint?: RemoteEndpoint;
}

/** Service → listener: an HTTP request; `body: true` means one binary message follows (note §1.5). */
export interface RequestMessage {
  type: 'request';
  address: string;
  id: string;
  requestTarget: string;
  method: string;
  requestHeaders: HeaderMap;
  body: boolean;
  remoteEndpoint?: RemoteEndpoint;
}

/**
 * Service → listener: the request is too large for the control channel; dial `address`
 * (sb-hc-action=request) and the full `request` arrives there. On the wire it is a `request`
 * without `method` (hyco-https tells the two apart the same way; .NET looks at `body`).
 */
export interface RequestRendezvousMessage {
  type: 'requestRendezvous';
  address: string;
  id?: string;
}

/** Listener → service, on the socket the request came on; `body: true` means one binary message follows. */
export interface ResponseMessage {
  type: 'response';
  requestId: string;
  statusCode: number;
  statusDescription?: string;
  responseHeaders: HeaderMap;
  body: boolean;
}

/** Listener → service: replace the control channel's token before it expires (note §1.6). */
export interface RenewTokenMessage {
  type: 'renewToken';
  token: string;
}

export type ControlMessage = AcceptMessage | RequestMessage | RequestRendezvousMessage | ResponseMessage | RenewTokenMessage;

function compact<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}

export function encodeControlMessage(message: ControlMessage): string {
  switch (message.type) {
    case 'accept': {
      const { type: _type, ...accept } = message;
      return JSON.stringify({ accept: compact(accept) });
    }
    case 'request': {
      const { type: _type, ...request } = message;
      return JSON.stringify({ request: compact(request) });
    }
    case 'requestRendezvous':
      return JSON.stringify({ request: compact({ address: message.address, id: message.id }) });
    case 'response': {
      const { type: _type, ...response } = message;
      return JSON.stringify({ response: compact(response) });
    }
    case 'renewToken':
      return JSON.stringify({ renewToken: { token: message.token } });
    default:
      throw new TypeError(`expected a control message type, got ${describeValue((message as { type?: unknown }).type)}`);
  }
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : describeValue(value);
}

function malformed(message: string): RealtimeError {
  return new RealtimeError('protocol', `malformed relay control message: ${message}`);
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireText(body: Json, field: string, where: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw malformed(`expected ${where}.${field} to be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function optionalText(body: Json, field: string, where: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw malformed(`expected ${where}.${field} to be a string, got ${describe(value)}`);
  return value;
}

// Node listeners (hyco-https) put numbers in header maps (content-length); strings and numbers
// are accepted, anything else is malformed.
function readHeaders(body: Json, field: string, where: string): HeaderMap {
  const value = body[field];
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw malformed(`expected ${where}.${field} to be an object, got ${describe(value)}`);
  const headers: HeaderMap = {};
  for (const [name, headerValue] of Object.entries(value)) {
    if (typeof headerValue === 'string') headers[name] = headerValue;
    else if (typeof headerValue === 'number' && Number.isFinite(headerValue)) headers[name] = String(headerValue);
    else throw malformed(`expected header "${name}" in ${where}.${field} to be a string, got ${describe(headerValue)}`);
  }
  return headers;
}

function readRemoteEndpoint(body: Json, where: string): RemoteEndpoint | undefined {
  const value = body.remoteEndpoint;
  if (value === undefined || value === null) return undefined;
  if (!isObject(value) || typeof value.address !== 'string' || typeof value.port !== 'number') {
    throw malformed(`expected ${where}.remoteEndpoint to be {address, port}, got ${describe(value)}`);
  }
  return { address: value.address, port: value.port };
}

function readBodyFlag(body: Json, where: string): boolean {
  const value = body.body;
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw malformed(`expected ${where}.body to be a boolean, got ${describe(value)}`);
  return value;
}

// The doc's example sends statusCode as a string, .NET as a number (note §1.5): take both.
function readStatusCode(body: Json): number {
  const value = body.statusCode;
  const code = typeof value === 'string' && /^\d{3}$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 100 || code > 999) {
    throw malformed(`expected response.statusCode to be an HTTP status, got ${describe(value)}`);
  }
  return code;
}

function decodeRequest(body: Json): RequestMessage | RequestRendezvousMessage {
  const address = requireText(body, 'address', 'request');
  if (body.method === undefined || body.method === null) {
    const id = optionalText(body, 'id', 'request');
    return id === undefined ? { type: 'requestRendezvous', address } : { type: 'requestRendezvous', address, id };
  }
  const remoteEndpoint = readRemoteEndpoint(body, 'request');
  return {
    type: 'request',
    address,
    id: requireText(body, 'id', 'request'),
    requestTarget: requireText(body, 'requestTarget', 'request'),
    method: requireText(body, 'method', 'request'),
    requestHeaders: readHeaders(body, 'requestHeaders', 'request'),
    body: readBodyFlag(body, 'request'),
    ...(remoteEndpoint ? { remoteEndpoint } : {}),
  };
}

function decodeAccept(body: Json): AcceptMessage {
  const remoteEndpoint = readRemoteEndpoint(body, 'accept');
  return {
    type: 'accept',
    address: requireText(body, 'address', 'accept'),
    id: requireText(body, 'id', 'accept'),
    connectHeaders: readHeaders(body, 'connectHeaders', 'accept'),
    ...(remoteEndpoint ? { remoteEndpoint } : {}),
  };
}

function decodeResponse(body: Json): ResponseMessage {
  const statusDescription = optionalText(body, 'statusDescription', 'response');
  return {
    type: 'response',
    requestId: requireText(body, 'requestId', 'response'),
    statusCode: readStatusCode(body),
    ...(statusDescription !== undefined ? { statusDescription } : {}),
    responseHeaders: readHeaders(body, 'responseHeaders', 'response'),
    body: readBodyFlag(body, 'response'),
  };
}

const decoders: Record<string, (body: Json) => ControlMessage> = {
  accept: decodeAccept,
  request: decodeRequest,
  response: decodeResponse,
  renewToken: (body) => ({ type: 'renewToken', token: requireText(body, 'token', 'renewToken') }),
};

/** Parses one control text frame. Throws RealtimeError('protocol') for anything malformed, unknown or oversized. */
export function decodeControlMessage(text: string): ControlMessage {
  if (typeof text !== 'string') throw malformed(`expected a text frame, got ${describe(text)}`);
  if (text.length > CONTROL_MESSAGE_MAX_LENGTH) {
    throw malformed(`expected at most ${CONTROL_MESSAGE_MAX_LENGTH} characters, got ${text.length}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new RealtimeError('protocol', 'malformed relay control message: not JSON', { cause });
  }
  if (!isObject(parsed)) throw malformed(`expected a JSON object, got ${describe(parsed)}`);
  const keys = Object.keys(parsed);
  if (keys.length !== 1) throw malformed(`expected exactly one of accept, request, response, renewToken, got ${keys.length} keys`);
  const kind = keys[0]!;
  const decode = Object.hasOwn(decoders, kind) ? decoders[kind] : undefined;
  if (!decode) throw malformed(`unknown message "${kind.slice(0, 40)}"`);
  const body = parsed[kind];
  if (!isObject(body)) throw malformed(`expected ${kind} to be an object, got ${describe(body)}`);
  return decode(body);
}

/** UTF-8 size of the header metadata the service would put in a `request` (decides control channel vs rendezvous). */
export function headerMetadataSize(method: string, requestTarget: string, headers: HeaderMap): number {
  let size = utf8Encode(method).length + utf8Encode(requestTarget).length;
  for (const [name, value] of Object.entries(headers)) size += utf8Encode(name).length + utf8Encode(value).length + 4;
  return size;
}
