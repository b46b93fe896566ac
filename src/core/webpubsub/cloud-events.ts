import { base64Decode, base64Encode, hexEncode, timingSafeEqual, utf8Decode, utf8Encode } from '../encoding.js';
import { RealtimeError, describeValue } from '../errors.js';
import { hmacOf } from '../runtime.js';
import type { HmacSha256 } from '../runtime-types.js';

// CloudEvents (HTTP binary mode) as the service sends them upstream (docs/protocol/webpubsub.md §5).

export const CE_TYPE_PREFIX = 'azure.webpubsub.';
export const CE_USER_EVENT_PREFIX = 'azure.webpubsub.user.';
export const CE_SYSTEM_EVENTS = {
  connect: 'azure.webpubsub.sys.connect',
  connected: 'azure.webpubsub.sys.connected',
  disconnected: 'azure.webpubsub.sys.disconnected',
} as const;

export type ClientProtocolKind = 'default' | 'mqtt';

/** What every event tells about its connection (the `ce-*` headers). */
export interface ConnectionContext {
  /** The raw `ce-signature` header (already verified when a handler sees it). */
  signature: string;
  hub: string;
  connectionId: string;
  eventName: string;
  /** `WebHook-Request-Origin`: the service host that sent the event. */
  origin: string;
  userId?: string;
  subprotocol?: string;
  /** Decoded `ce-connectionState`; change it with `setState` so the service keeps it (docs/protocol/webpubsub.md §5). */
  states: Record<string, unknown>;
  clientProtocol: ClientProtocolKind;
  /** MQTT only: `ce-physicalConnectionId` / `ce-sessionId`. */
  mqtt?: { physicalConnectionId: string; sessionId?: string };
  setState(name: string, value: unknown): void;
}

/**
 * `sha256=<hex HMAC-SHA256(accessKey, connectionId)>` per key, comma-joined (docs/protocol/webpubsub.md §5): what the service
 * puts in `ce-signature`. Only the connection id is signed, not the body or the other headers.
 */
export async function computeEventSignature(connectionId: string, accessKeys: readonly string[], hmac?: HmacSha256): Promise<string> {
  const parts = await Promise.all(accessKeys.map(async (key) => `sha256=${hexEncode(await hmacOf({ hmac })(key, connectionId))}`));
  return parts.join(',');
}

/** True when any `sha256=` entry of the header matches any of the keys (either key may be rotated). */
export async function verifyEventSignature(header: string | null | undefined, connectionId: string, accessKeys: readonly string[], hmac?: HmacSha256): Promise<boolean> {
  if (!header || !connectionId || accessKeys.length === 0) return false;
  const given = header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => /^sha256=/i.test(part))
    .map((part) => part.slice(7).toLowerCase());
  if (given.length === 0) return false;
  const expected = await Promise.all(accessKeys.map(async (key) => hexEncode(await hmacOf({ hmac })(key, connectionId))));
  let match = false;
  // Compare every pair so the time taken does not depend on which entry matched.
  for (const candidate of given) for (const want of expected) match = timingSafeEqual(candidate, want) || match;
  return match;
}

/** `ce-connectionState`: base64 of a JSON object. */
export function decodeConnectionState(header: string | null): Record<string, unknown> {
  if (!header) return {};
  try {
    const value: unknown = JSON.parse(utf8Decode(base64Decode(header)));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the typed error
  }
  throw new RealtimeError('protocol', 'expected ce-connectionState to be base64 of a JSON object', { status: 400 });
}

export function encodeConnectionState(states: Record<string, unknown>): string {
  return base64Encode(utf8Encode(JSON.stringify(states)));
}

/** Reads the connection context from the `ce-*` headers; throws `protocol` (400) when a required one is missing. */
export function readConnectionContext(headers: Headers): ConnectionContext & { stateChanged(): boolean } {
  const required = (name: string) => {
    const value = headers.get(name);
    if (!value) throw new RealtimeError('protocol', `expected a ${name} header, got none`, { status: 400 });
    return value;
  };
  const states = decodeConnectionState(headers.get('ce-connectionstate'));
  let changed = false;
  const context: ConnectionContext & { stateChanged(): boolean } = {
    signature: headers.get('ce-signature') ?? '',
    hub: required('ce-hub'),
    connectionId: required('ce-connectionid'),
    eventName: headers.get('ce-eventname') ?? '',
    origin: required('webhook-request-origin'),
    states,
    clientProtocol: 'default',
    setState(name, value) {
      if (typeof name !== 'string' || name.length === 0) throw new TypeError(`expected a state name, got ${describeValue(name)}`);
      states[name] = value;
      changed = true;
    },
    stateChanged: () => changed,
  };
  const userId = headers.get('ce-userid');
  if (userId) context.userId = userId;
  const subprotocol = headers.get('ce-subprotocol');
  if (subprotocol) context.subprotocol = subprotocol;
  const physicalConnectionId = headers.get('ce-physicalconnectionid');
  if (subprotocol?.toLowerCase().includes('mqtt') && physicalConnectionId) {
    context.clientProtocol = 'mqtt';
    const sessionId = headers.get('ce-sessionid');
    context.mqtt = sessionId ? { physicalConnectionId, sessionId } : { physicalConnectionId };
  }
  return context;
}
