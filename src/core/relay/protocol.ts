import { RealtimeError, describeValue } from '../errors.js';

// The Relay Hybrid Connections control-channel codec (docs/protocol/relay.md §1.3–1.6). Pure: text in,
// message out, shared by the listener/sender in src/core/relay and the emulator. Body frames
// are plain binary WebSocket messages and need no codec.

/** Request/response bodies up to this size may travel on the control channel (docs/protocol/relay.md §1.5). */
export const CONTROL_CHANNEL_BODY_LIMIT = 64 * 1024;
/** Header metadata (method, target, headers) limit on the control channel (docs/protocol/relay.md §1.5). */
export const CONTROL_CHANNEL_HEADER_LIMIT = 32 * 1024;
/** Largest control text frame we decode: header metadata plus envelope slack. */
export const CONTROL_MESSAGE_MAX_LENGTH = 64 * 1024;
/** The service gives a rendezvous address about 30 s (docs/protocol/relay.md §1.3). */
export const RENDEZVOUS_LIFETIME_MS = 30_000;
/** Every HTTP request needs a `response` within 60 s (docs/protocol/relay.md §1.5). */
export const HTTP_RESPONSE_DEADLINE_MS = 60_000;
/** Concurrent listeners per hybrid connection (docs/protocol/relay.md §1.1). */
export const MAX_LISTENERS_PER_ENTITY = 25;

export interface RemoteEndpoint {
  address: string;
  port: number;
}

export type HeaderMap = Record<string, string>;

/** Service → listener: a sender wants a WebSocket; dial `address` to accept (docs/protocol/relay.md §1.3). */
export interface AcceptMessage {
  type: 'accept';
  address: string;
  id: string;
  connectHeaders: HeaderMap;
  remoteEndpoint?: RemoteEndpoint;
}

/** Service → listener: an HTTP request; `body: true` means one binary message follows (docs/protocol/relay.md §1.5). */
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

/** Listener → service: replace the control channel's token before it expires (docs/protocol/relay.md §1.6). */
export interface RenewTokenMessage {
  type: 'renewToken';
  token: string;
}

export type ControlMessage = AcceptMessage | RequestMessage | RequestRendezvousMessage | ResponseMessage | RenewTokenMessage;

/** Wire key of each message: the rendezvous form of a request is still a `request` (docs/protocol/relay.md §1.5). */
const wireKey = (type: ControlMessage['type']) => (type === 'requestRendezvous' ? 'request' : type);

export function encodeControlMessage(message: ControlMessage): string {
  const { type, ...fields } = message;
  if (!Object.hasOwn(SHAPES, type)) throw new TypeError(`expected a control message type, got ${describeValue(type)}`);
  // JSON.stringify leaves out undefined fields, so optional ones simply disappear.
  return JSON.stringify({ [wireKey(type)]: fields });
}

// How each field is read. A field kind is named by what the field must be, which is also what
// the error message says. Node listeners (hyco-https) put numbers in header maps
// (content-length), and the doc's example sends statusCode as a string while .NET sends a
// number (docs/protocol/relay.md §1.5): header values and status codes take both.
const TEXT = 'a non-empty string';
const STRING = 'a string';
const HEADERS = 'an object of strings';
const ENDPOINT = '{address, port}';
const FLAG = 'a boolean';
const STATUS = 'an HTTP status';
type FieldKind = typeof TEXT | typeof STRING | typeof HEADERS | typeof ENDPOINT | typeof FLAG | typeof STATUS;

const SHAPES: Record<ControlMessage['type'], Record<string, FieldKind>> = {
  accept: { address: TEXT, id: TEXT, connectHeaders: HEADERS, remoteEndpoint: ENDPOINT },
  request: { address: TEXT, id: TEXT, requestTarget: TEXT, method: TEXT, requestHeaders: HEADERS, body: FLAG, remoteEndpoint: ENDPOINT },
  requestRendezvous: { address: TEXT, id: STRING },
  response: { requestId: TEXT, statusCode: STATUS, statusDescription: STRING, responseHeaders: HEADERS, body: FLAG },
  renewToken: { token: TEXT },
};

/** SHAPES as [field, kind] lists, made once: the decoder walks them per frame. */
const FIELDS = /* @__PURE__ */ Object.fromEntries(Object.entries(SHAPES).map(([type, shape]) => [type, Object.entries(shape)])) as Record<ControlMessage['type'], Array<[string, FieldKind]>>;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function malformed(message: string, cause?: unknown): RealtimeError {
  return new RealtimeError('protocol', `malformed relay control message: ${message}`, { cause });
}

/** The field's value, undefined when absent (null counts as absent), or null when it is not what `kind` needs. */
function readField(kind: FieldKind, value: unknown): unknown {
  if (value === undefined || value === null) {
    if (kind === HEADERS) return {};
    if (kind === FLAG) return false;
    return kind === TEXT || kind === STATUS ? null : undefined;
  }
  switch (kind) {
    case TEXT:
      return typeof value === 'string' && value !== '' ? value : null;
    case STRING:
      return typeof value === 'string' ? value : null;
    case FLAG:
      return typeof value === 'boolean' ? value : null;
    case STATUS: {
      const code = typeof value === 'string' && /^\s*\d{3}\s*$/.test(value) ? Number(value) : value;
      return Number.isInteger(code) && (code as number) >= 100 && (code as number) <= 999 ? code : null;
    }
    case ENDPOINT:
      return isObject(value) && typeof value.address === 'string' && typeof value.port === 'number' ? { address: value.address, port: value.port } : null;
    case HEADERS: {
      if (!isObject(value)) return null;
      // The parsed object is this frame's own: numbers are turned into strings in place, no copy.
      for (const name of Object.keys(value)) {
        const header = value[name];
        if (typeof header === 'number' && Number.isFinite(header)) value[name] = String(header);
        else if (typeof header !== 'string') return null;
      }
      return value;
    }
  }
}

/** Parses one control text frame. Throws RealtimeError('protocol') for anything malformed, unknown or oversized. */
export function decodeControlMessage(text: string): ControlMessage {
  if (typeof text !== 'string') throw malformed(`expected a text frame, got ${describeValue(text)}`);
  if (text.length > CONTROL_MESSAGE_MAX_LENGTH) throw malformed(`expected at most ${CONTROL_MESSAGE_MAX_LENGTH} characters, got ${text.length}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw malformed('not JSON', cause);
  }
  const keys = isObject(parsed) ? Object.keys(parsed) : [];
  if (keys.length !== 1) throw malformed('expected an object with exactly one of accept, request, response, renewToken');
  const key = keys[0]!;
  const body = (parsed as Json)[key];
  if (key !== 'accept' && key !== 'request' && key !== 'response' && key !== 'renewToken') throw malformed(`unknown message "${key.slice(0, 40)}"`);
  if (!isObject(body)) throw malformed(`expected ${key} to be an object, got ${describeValue(body)}`);
  // A request without method carries only an address: the rendezvous form (docs/protocol/relay.md §1.5).
  const type = key === 'request' && (body.method === undefined || body.method === null) ? 'requestRendezvous' : (key as ControlMessage['type']);
  const message: Json = { type };
  for (const [field, kind] of FIELDS[type]) {
    const value = readField(kind, body[field]);
    if (value === null) throw malformed(`expected ${key}.${field} to be ${kind}, got ${body[field] === undefined ? 'nothing' : describeValue(body[field])}`);
    if (value !== undefined) message[field] = value;
  }
  return message as unknown as ControlMessage;
}

/** UTF-8 byte length, counted without encoding (a lone surrogate becomes U+FFFD: 3 bytes). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** UTF-8 size of the header metadata the service would put in a `request` (decides control channel vs rendezvous). */
export function headerMetadataSize(method: string, requestTarget: string, headers: HeaderMap): number {
  let size = utf8Length(method) + utf8Length(requestTarget);
  for (const [name, value] of Object.entries(headers)) size += utf8Length(name) + utf8Length(value) + 4;
  return size;
}
