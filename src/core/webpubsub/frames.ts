import { describeValue } from '../errors.js';
import { assertJsonDepth } from './frames-json-depth.js';
import { protocolError, readPayload, writePayload } from './frames-payload.js';
import type { AckError, AckId, CancelInvocationMessage, DownstreamMessage, OptionalPayload, UpstreamMessage } from './frames-types.js';

// Public surface of the codecs; readPayload/writePayload/protocolError stay internal helpers.
export { DATA_TYPES, bodyToPayload, payloadToBody, type MessagePayload, type WebPubSubDataType } from './frames-payload.js';
// Every message type is public: frames-types.ts holds nothing else.
export type * from './frames-types.js';
export { decodeDownstreamProtobuf, decodeUpstreamProtobuf, encodeDownstreamProtobuf, encodeUpstreamProtobuf } from './frames-protobuf.js';

// Codecs for the JSON client subprotocols json.webpubsub.azure.v1 and json.reliable.webpubsub.azure.v1
// (docs/protocol/webpubsub.md §4). Pure: text frame in, typed message out, RealtimeError('protocol') otherwise.
// ackId and sequenceId are uint64 on the wire; ackIds past 2^53 (JS numbers' precision) are bigints.

export const JSON_SUBPROTOCOL = 'json.webpubsub.azure.v1';
export const JSON_RELIABLE_SUBPROTOCOL = 'json.reliable.webpubsub.azure.v1';
export const PROTOBUF_SUBPROTOCOL = 'protobuf.webpubsub.azure.v1';
export const PROTOBUF_RELIABLE_SUBPROTOCOL = 'protobuf.reliable.webpubsub.azure.v1';

export function isReliableSubprotocol(name: string | null | undefined): boolean {
  return name === JSON_RELIABLE_SUBPROTOCOL || name === PROTOBUF_RELIABLE_SUBPROTOCOL;
}

function readOptionalPayload(frame: Record<string, unknown>, where: string): OptionalPayload {
  if ((frame.dataType === undefined || frame.dataType === null) && frame.data === undefined) return {};
  return readPayload(frame, where, null);
}

function writeOptionalPayload(message: OptionalPayload): Record<string, unknown> {
  return message.dataType === undefined ? {} : writePayload(message);
}

function parseObject(frame: string | Uint8Array, direction: string): Record<string, unknown> {
  let text: string;
  if (typeof frame === 'string') text = frame;
  else if (frame instanceof Uint8Array) {
    // JSON subprotocols use text frames (docs/protocol/webpubsub.md §4); a binary frame is a protocol violation.
    throw protocolError(`${direction}: expected a text frame for a JSON subprotocol, got ${frame.length} binary bytes`);
  } else throw protocolError(`${direction}: expected a text frame, got ${describeValue(frame)}`);
  assertJsonDepth(text, direction);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw protocolError(`${direction}: expected a JSON frame, got ${text.length} characters that do not parse`, error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw protocolError(`${direction}: expected a JSON object frame, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/** The frame's `type` for messages: short strings verbatim (they are protocol words, not secrets). */
function typeName(type: unknown): string {
  return typeof type === 'string' && type.length <= 40 ? JSON.stringify(type) : describeValue(type);
}

function readString(frame: Record<string, unknown>, field: string, where: string): string {
  const value = frame[field];
  if (typeof value !== 'string' || value.length === 0) throw protocolError(`${where}: expected ${field} to be a non-empty string, got ${describeValue(value)}`);
  return value;
}

function readId(frame: Record<string, unknown>, field: string, where: string, required: boolean): number | undefined {
  const value = frame[field];
  if (value === undefined || value === null) {
    if (required) throw protocolError(`${where}: expected a ${field}`);
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw protocolError(`${where}: expected ${field} to be a non-negative integer, got ${describeValue(value)}`);
  }
  return value;
}

const UINT64_LIMIT = 2n ** 64n;

/**
 * The number token written for `key` in the frame object itself (not nested), last one winning as in
 * JSON.parse; for integers JSON.parse rounds (past 2^53).
 */
function topLevelNumberText(text: string, key: string): string | undefined {
  let depth = 0;
  let found: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i + 1;
      for (i = start; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (depth === 1 && text.slice(start, i) === key) {
        const token = /^\s*:\s*([0-9][0-9eE.+-]*)/.exec(text.slice(i + 1, i + 100));
        if (token) found = token[1];
      }
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return found;
}

/** ackId is a uint64 (§4): a number up to 2^53, above that the exact value from the frame's text as a bigint. */
function readAckId(frame: Record<string, unknown>, text: string, where: string, required: boolean): AckId | undefined {
  const value = frame.ackId;
  if (typeof value === 'number' && Number.isInteger(value) && value > Number.MAX_SAFE_INTEGER && value <= 2 ** 64) {
    const digits = topLevelNumberText(text, 'ackId');
    const exact = digits !== undefined && /^[0-9]+$/.test(digits) ? BigInt(digits) : undefined;
    if (exact !== undefined && exact < UINT64_LIMIT) return exact;
    throw protocolError(`${where}: expected ackId to be a uint64, got ${describeValue(value)}`);
  }
  return readId(frame, 'ackId', where, required);
}

/** JSON.stringify cannot write a bigint: an ackId past 2^53 is written as its digits. */
function stringifyFrame(frame: Record<string, unknown>): string {
  const { type, ackId, ...rest } = frame;
  if (typeof ackId !== 'bigint') return JSON.stringify(frame);
  const tail = JSON.stringify(rest).slice(1, -1);
  return `{"type":${JSON.stringify(type)},"ackId":${ackId.toString()}${tail ? `,${tail}` : ''}}`;
}

function withOptional<T extends object>(base: T, extras: Record<string, unknown>): T {
  for (const [key, value] of Object.entries(extras)) if (value !== undefined) (base as Record<string, unknown>)[key] = value;
  return base;
}

/** A frame's object, the frame as text (ackIds past 2^53 are read from it), and its name for errors. */
function openFrame(frame: string | Uint8Array, direction: 'upstream' | 'downstream'): { obj: Record<string, unknown>; text: string; where: string } {
  const obj = parseObject(frame, `${direction} frame`);
  // parseObject accepts text frames only
  return { obj, text: frame as string, where: `${direction} ${typeName(obj.type)} frame` };
}

/** cancelInvocation travels both ways; any other type left over is unknown. */
function cancelInvocationOrUnknown(obj: Record<string, unknown>, where: string, direction: 'upstream' | 'downstream'): CancelInvocationMessage {
  if (obj.type !== 'cancelInvocation') throw protocolError(`${direction} frame: unknown type ${typeName(obj.type)}`);
  return { type: 'cancelInvocation', invocationId: readString(obj, 'invocationId', where) };
}

export function decodeUpstream(frame: string | Uint8Array): UpstreamMessage {
  const { obj, text, where } = openFrame(frame, 'upstream');
  switch (obj.type) {
    case 'joinGroup':
    case 'leaveGroup':
      return withOptional({ type: obj.type, group: readString(obj, 'group', where) }, { ackId: readAckId(obj, text, where, false) });
    case 'sendToGroup': {
      if (obj.noEcho !== undefined && obj.noEcho !== null && typeof obj.noEcho !== 'boolean') {
        throw protocolError(`${where}: expected noEcho to be a boolean, got ${describeValue(obj.noEcho)}`);
      }
      const head = withOptional({ type: 'sendToGroup' as const, group: readString(obj, 'group', where) }, {
        ackId: readAckId(obj, text, where, false),
        noEcho: obj.noEcho ?? undefined,
      });
      return { ...head, ...readPayload(obj, where) };
    }
    case 'event': {
      const head = withOptional({ type: 'event' as const, event: readString(obj, 'event', where) }, { ackId: readAckId(obj, text, where, false) });
      return { ...head, ...readPayload(obj, where) };
    }
    case 'sequenceAck':
      return { type: 'sequenceAck', sequenceId: readId(obj, 'sequenceId', where, true)! };
    case 'ping':
      return { type: 'ping' };
    case 'invoke': {
      if (obj.target !== 'event') throw protocolError(`${where}: expected target "event", got ${typeName(obj.target)}`);
      const head = { type: 'invoke' as const, invocationId: readString(obj, 'invocationId', where), target: 'event' as const, event: readString(obj, 'event', where) };
      return { ...head, ...readOptionalPayload(obj, where) };
    }
    default:
      return cancelInvocationOrUnknown(obj, where, 'upstream');
  }
}

export function encodeUpstream(message: UpstreamMessage): string {
  switch (message.type) {
    case 'joinGroup':
    case 'leaveGroup':
      return stringifyFrame(withOptional({ type: message.type, group: message.group }, { ackId: message.ackId }));
    case 'sendToGroup':
      return stringifyFrame({
        ...withOptional({ type: 'sendToGroup', group: message.group }, { ackId: message.ackId, noEcho: message.noEcho }),
        ...writePayload(message),
      });
    case 'event':
      return stringifyFrame({ ...withOptional({ type: 'event', event: message.event }, { ackId: message.ackId }), ...writePayload(message) });
    case 'sequenceAck':
      return JSON.stringify({ type: 'sequenceAck', sequenceId: message.sequenceId });
    case 'ping':
      return '{"type":"ping"}';
    case 'invoke':
      return JSON.stringify({ type: 'invoke', invocationId: message.invocationId, target: message.target, event: message.event, ...writeOptionalPayload(message) });
    case 'cancelInvocation':
      return JSON.stringify({ type: 'cancelInvocation', invocationId: message.invocationId });
    default:
      throw new TypeError(`expected an upstream message type, got ${describeValue((message as { type: unknown }).type)}`);
  }
}

function readAckError(obj: Record<string, unknown>, where: string): AckError | undefined {
  const error = obj.error;
  if (error === undefined || error === null) return undefined;
  if (typeof error !== 'object' || Array.isArray(error)) throw protocolError(`${where}: expected error to be an object, got ${describeValue(error)}`);
  const { name, message } = error as Record<string, unknown>;
  if (typeof name !== 'string') throw protocolError(`${where}: expected error.name to be a string, got ${describeValue(name)}`);
  return { name, message: typeof message === 'string' ? message : '' };
}

export function decodeDownstream(frame: string | Uint8Array): DownstreamMessage {
  const { obj, text, where } = openFrame(frame, 'downstream');
  switch (obj.type) {
    case 'pong':
      return { type: 'pong' };
    case 'ack': {
      if (typeof obj.success !== 'boolean') throw protocolError(`${where}: expected success to be a boolean, got ${describeValue(obj.success)}`);
      return withOptional({ type: 'ack' as const, ackId: readAckId(obj, text, where, true)!, success: obj.success }, { error: readAckError(obj, where) });
    }
    case 'message': {
      const sequenceId = readId(obj, 'sequenceId', where, false);
      // A message without dataType is dropped by the official client (docs/protocol/webpubsub.md §4): treat it as malformed.
      const payload = readPayload(obj, where, null);
      if (obj.from === 'group') {
        const fromUserId = typeof obj.fromUserId === 'string' ? obj.fromUserId : undefined;
        const head = withOptional({ type: 'message' as const, from: 'group' as const, group: readString(obj, 'group', where) }, { fromUserId, sequenceId });
        return { ...head, ...payload };
      }
      if (obj.from === 'server') return { ...withOptional({ type: 'message' as const, from: 'server' as const }, { sequenceId }), ...payload };
      throw protocolError(`${where}: expected from to be group or server, got ${describeValue(obj.from)}`);
    }
    case 'invokeResponse': {
      if (typeof obj.success !== 'boolean') throw protocolError(`${where}: expected success to be a boolean, got ${describeValue(obj.success)}`);
      const head = withOptional({ type: 'invokeResponse' as const, invocationId: readString(obj, 'invocationId', where), success: obj.success }, { error: readAckError(obj, where) });
      return { ...head, ...readOptionalPayload(obj, where) };
    }
    case 'system':
      if (obj.event === 'connected') {
        return withOptional({ type: 'system' as const, event: 'connected' as const, connectionId: readString(obj, 'connectionId', where) }, {
          userId: typeof obj.userId === 'string' ? obj.userId : undefined,
          reconnectionToken: typeof obj.reconnectionToken === 'string' ? obj.reconnectionToken : undefined,
        });
      }
      if (obj.event === 'disconnected') return { type: 'system', event: 'disconnected', message: typeof obj.message === 'string' ? obj.message : '' };
      throw protocolError(`${where}: unknown system event ${describeValue(obj.event)}`);
    default:
      return cancelInvocationOrUnknown(obj, where, 'downstream');
  }
}

export function encodeDownstream(message: DownstreamMessage): string {
  switch (message.type) {
    case 'ack':
      return stringifyFrame(withOptional({ type: 'ack', ackId: message.ackId, success: message.success }, { error: message.error }));
    case 'message': {
      const head =
        message.from === 'group'
          ? withOptional({ type: 'message', from: 'group', group: message.group }, { fromUserId: message.fromUserId })
          : { type: 'message', from: 'server' };
      return JSON.stringify({ ...head, ...writePayload(message), ...(message.sequenceId === undefined ? {} : { sequenceId: message.sequenceId }) });
    }
    case 'system':
      if (message.event === 'connected') {
        return JSON.stringify(withOptional({ type: 'system', event: 'connected', userId: message.userId ?? null, connectionId: message.connectionId }, {
          reconnectionToken: message.reconnectionToken,
        }));
      }
      return JSON.stringify({ type: 'system', event: 'disconnected', message: message.message });
    case 'pong':
      return '{"type":"pong"}';
    case 'invokeResponse':
      return JSON.stringify({
        ...withOptional({ type: 'invokeResponse', invocationId: message.invocationId, success: message.success }, { error: message.error }),
        ...writeOptionalPayload(message),
      });
    case 'cancelInvocation':
      return JSON.stringify({ type: 'cancelInvocation', invocationId: message.invocationId });
    default:
      throw new TypeError(`expected a downstream message type, got ${describeValue((message as { type: unknown }).type)}`);
  }
}
