import { utf8Decode, utf8Encode } from '../encoding.js';
import { RealtimeError, describeValue } from '../errors.js';

// The application envelope carried on a relayed WebSocket: text, JSON or binary, one per
// message (docs/architecture.md "Framed message codecs"). The Python relay quickstart's sender writes
// `{"message": "..."}` as a text frame; `encodeQuickstartMessage`/`decodeQuickstartMessage` speak that.

export type Envelope =
  | { type: 'text'; text: string }
  | { type: 'json'; value: unknown }
  | { type: 'binary'; data: Uint8Array };

export interface DecodeEnvelopeOptions {
  /** Frames larger than this (bytes for binary, UTF-8 bytes for text) fail with `too_large`. Default 16 MiB. */
  maxBytes?: number;
  /** 'auto' (default): text that parses as a JSON object or array is `json`; 'never': always `text`. */
  json?: 'auto' | 'never';
}

export const DEFAULT_ENVELOPE_MAX_BYTES = 16 * 1024 * 1024;

export function encodeEnvelope(envelope: Envelope): string | Uint8Array {
  switch (envelope?.type) {
    case 'text':
      if (typeof envelope.text !== 'string') throw new TypeError(`expected text to be a string, got ${describeValue(envelope.text)}`);
      return envelope.text;
    case 'json': {
      const text = JSON.stringify(envelope.value);
      if (text === undefined) throw new TypeError(`expected a JSON-serializable value, got ${describeValue(envelope.value)}`);
      return text;
    }
    case 'binary':
      if (!(envelope.data instanceof Uint8Array)) throw new TypeError(`expected data to be a Uint8Array, got ${describeValue(envelope.data)}`);
      return envelope.data;
    default:
      throw new TypeError(`expected an envelope of type text, json or binary, got ${describeValue((envelope as { type?: unknown })?.type)}`);
  }
}

/** Decodes one WebSocket message (string or bytes). Throws RealtimeError 'too_large' or 'protocol'. */
export function decodeEnvelope(frame: string | Uint8Array, options: DecodeEnvelopeOptions = {}): Envelope {
  const maxBytes = options.maxBytes ?? DEFAULT_ENVELOPE_MAX_BYTES;
  if (frame instanceof Uint8Array) {
    if (frame.length > maxBytes) throw tooLarge(frame.length, maxBytes);
    return { type: 'binary', data: frame };
  }
  if (typeof frame !== 'string') throw new RealtimeError('protocol', `expected a text or binary frame, got ${describeValue(frame)}`);
  // A UTF-16 length over the limit may still fit in UTF-8 only if it is under it in bytes; check cheaply first.
  if (frame.length > maxBytes || (frame.length * 3 > maxBytes && utf8Encode(frame).length > maxBytes)) {
    throw tooLarge(utf8Encode(frame).length, maxBytes);
  }
  if (options.json !== 'never' && /^\s*[[{]/.test(frame)) {
    try {
      return { type: 'json', value: JSON.parse(frame) };
    } catch {
      // text that merely starts with a bracket stays text
    }
  }
  return { type: 'text', text: frame };
}

function tooLarge(size: number, limit: number): RealtimeError {
  return new RealtimeError('too_large', `expected a frame of at most ${limit} bytes, got ${size}`);
}

/** The quickstart sender's frame: `{"message": text}`. */
export function encodeQuickstartMessage(message: string): string {
  if (typeof message !== 'string') throw new TypeError(`expected message to be a string, got ${describeValue(message)}`);
  return JSON.stringify({ message });
}

/** Reads `{"message": …}`; a binary frame is read as UTF-8 JSON too. Throws RealtimeError 'protocol' otherwise. */
export function decodeQuickstartMessage(frame: string | Uint8Array): string {
  let text: string;
  try {
    text = typeof frame === 'string' ? frame : utf8Decode(frame);
  } catch (cause) {
    throw new RealtimeError('protocol', 'expected a UTF-8 {"message": …} frame, got invalid UTF-8', { cause });
  }
  const envelope = decodeEnvelope(text);
  const value = envelope.type === 'json' ? envelope.value : undefined;
  const message = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { message?: unknown }).message : undefined;
  if (typeof message !== 'string') {
    throw new RealtimeError('protocol', `expected a {"message": string} frame, got ${envelope.type === 'json' ? 'JSON without a string "message"' : 'plain text'}`);
  }
  return message;
}
