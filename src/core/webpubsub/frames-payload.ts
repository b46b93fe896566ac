import { base64Decode, base64Encode, utf8Decode, utf8Encode } from '../encoding.js';
import { RealtimeError, describeValue } from '../errors.js';
import { assertJsonDepth } from './frames-json-depth.js';

// The data part shared by sendToGroup / event frames, group and server messages (docs/protocol/webpubsub.md §4),
// and how it maps to HTTP bodies for REST sends and upstream user events (docs/protocol/webpubsub.md §3 "content type").

export type WebPubSubDataType = 'text' | 'json' | 'binary' | 'protobuf';

/** Decoded payload: text is a string, json any JSON value, binary/protobuf raw bytes (base64 on the wire). */
export type MessagePayload =
  | { dataType: 'text'; data: string }
  | { dataType: 'json'; data: unknown }
  | { dataType: 'binary' | 'protobuf'; data: Uint8Array };

export const DATA_TYPES: readonly WebPubSubDataType[] = ['text', 'json', 'binary', 'protobuf'];

export function protocolError(message: string, cause?: unknown): RealtimeError {
  return new RealtimeError('protocol', message, cause === undefined ? {} : { cause });
}

/** Reads `dataType` (default json, docs/protocol/webpubsub.md §4) and `data` from a parsed frame object. */
export function readPayload(frame: Record<string, unknown>, where: string, defaultDataType: WebPubSubDataType | null = 'json'): MessagePayload {
  const dataType = frame.dataType ?? defaultDataType;
  if (!DATA_TYPES.includes(dataType as WebPubSubDataType)) {
    throw protocolError(`${where}: expected dataType text, json, binary or protobuf, got ${describeValue(dataType)}`);
  }
  if (!('data' in frame)) throw protocolError(`${where}: expected a data field`);
  const data = frame.data;
  switch (dataType as WebPubSubDataType) {
    case 'text':
      if (typeof data !== 'string') throw protocolError(`${where}: expected text data to be a string, got ${describeValue(data)}`);
      return { dataType: 'text', data };
    case 'json':
      return { dataType: 'json', data };
    default: {
      if (typeof data !== 'string') throw protocolError(`${where}: expected base64 ${String(dataType)} data, got ${describeValue(data)}`);
      try {
        return { dataType: dataType as 'binary' | 'protobuf', data: base64Decode(data) };
      } catch (error) {
        throw protocolError(`${where}: ${(error as Error).message}`, error);
      }
    }
  }
}

/** The wire form of a payload: `{dataType, data}` with bytes as base64. */
export function writePayload(payload: MessagePayload): { dataType: WebPubSubDataType; data: unknown } {
  if (payload.dataType === 'binary' || payload.dataType === 'protobuf') {
    if (!(payload.data instanceof Uint8Array)) throw new TypeError(`expected ${payload.dataType} data as a Uint8Array, got ${describeValue(payload.data)}`);
    return { dataType: payload.dataType, data: base64Encode(payload.data) };
  }
  if (payload.dataType === 'text') {
    if (typeof payload.data !== 'string') throw new TypeError(`expected text data as a string, got ${describeValue(payload.data)}`);
    return payload;
  }
  if (payload.dataType === 'json') {
    if (payload.data === undefined) throw new TypeError('expected json data, got undefined');
    return payload;
  }
  throw new TypeError(`expected dataType text, json, binary or protobuf, got ${describeValue((payload as { dataType: unknown }).dataType)}`);
}

/** Payload → HTTP body (upstream user events, REST sends): text/plain, application/json, octet-stream. */
export function payloadToBody(payload: MessagePayload): { contentType: string; body: Uint8Array } {
  switch (payload.dataType) {
    case 'text':
      return { contentType: 'text/plain', body: utf8Encode(payload.data) };
    case 'json':
      return { contentType: 'application/json', body: utf8Encode(JSON.stringify(payload.data)) };
    case 'protobuf':
      return { contentType: 'application/x-protobuf', body: payload.data };
    default:
      return { contentType: 'application/octet-stream', body: payload.data };
  }
}

/**
 * HTTP body → payload by Content-Type (docs/protocol/webpubsub.md §3: text/plain → text, application/json → json, anything
 * else → binary). Throws `protocol` for a JSON body that does not parse or text that is not UTF-8.
 */
export function bodyToPayload(contentType: string | null | undefined, body: Uint8Array): MessagePayload {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  try {
    if (mediaType === 'text/plain') return { dataType: 'text', data: utf8Decode(body) };
    if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
      const text = utf8Decode(body);
      assertJsonDepth(text, `${mediaType} body`);
      return { dataType: 'json', data: JSON.parse(text) };
    }
  } catch (error) {
    throw protocolError(`expected a ${mediaType} body, got ${body.length} bytes that do not decode`, error);
  }
  if (mediaType === 'application/x-protobuf') return { dataType: 'protobuf', data: body };
  return { dataType: 'binary', data: body };
}
