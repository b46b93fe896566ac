import type { ListenOptions } from '../types.js';
import { resolveConfigOption } from '../host/config-file.js';
import { configError, flag, list, record, text } from '../host/config-values.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS } from '../host/connection-guard.js';
import { DEFAULT_BODY_IDLE_TIMEOUT_MS } from '../host/stalled-bodies.js';

// Emulator settings, shaped like the service's hub settings (docs/protocol/webpubsub.md §5 "Configuration").

export type SystemEventName = 'connect' | 'connected' | 'disconnected';
const SYSTEM_EVENTS: readonly SystemEventName[] = ['connect', 'connected', 'disconnected'];

export interface EventHandlerSettings {
  /** May contain `{event}` and `{hub}`. */
  urlTemplate: string;
  /** `*` or a comma list of user event names; default none. */
  userEventPattern?: string;
  systemEvents?: SystemEventName[];
}

export interface HubSettings {
  eventHandlers?: EventHandlerSettings[];
  /** Clients may connect with no token (hub setting AllowAnonymous, off by default). */
  allowAnonymous?: boolean;
}

export interface WebPubSubConfig {
  /** Keyed by hub name (case-insensitive); `*` applies to hubs not listed. */
  hubs?: Record<string, HubSettings>;
}

export interface WebPubSubEmulatorOptions extends ListenOptions {
  /** Default EMULATOR_WEBPUBSUB_ACCESS_KEY. */
  accessKey?: string;
  hubs?: Record<string, HubSettings>;
  /** A JSON file path or an object `{hubs: {...}}`, merged under `hubs`. */
  config?: string | WebPubSubConfig;
  /** How long a dropped reliable session waits for recovery (default 30 s, as the service). */
  recoveryWindowMs?: number;
  /** Per-connection bounds; see docs/webpubsub-emulator.md "Limits". */
  limits?: Partial<WebPubSubLimits>;
}

export interface WebPubSubLimits {
  /** Bytes queued for a client that is not reading before it is closed with 1008 (default 16 MiB). */
  maxOutboundBufferBytes: number;
  /** Frames received but not yet handled (a slow event handler) before the client is closed with 1013 (default 1000). */
  maxUpstreamQueueFrames: number;
  /** Bytes of those frames (default 16 MiB). */
  maxUpstreamQueueBytes: number;
  /** Open connections on the port; more are closed on arrival (default 10,000; src/emulator/host/connection-guard.ts). */
  maxConnections: number;
  /** Time a connection has to send a complete request or upgrade (default 30 s). */
  handshakeTimeoutMs: number;
  /** Time a request body may make no progress before it is answered 408 and its connection closed (default 30 s). */
  bodyIdleTimeoutMs: number;
}

/** 16 MiB: the service's own bound on a reliable client's unacked messages (§4), far past any burst a reading client builds. */
export const DEFAULT_LIMITS: WebPubSubLimits = {
  maxOutboundBufferBytes: 16 * 1024 * 1024,
  maxUpstreamQueueFrames: 1000,
  maxUpstreamQueueBytes: 16 * 1024 * 1024,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  handshakeTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT_MS,
  bodyIdleTimeoutMs: DEFAULT_BODY_IDLE_TIMEOUT_MS,
};

export function resolveLimits(given: Partial<WebPubSubLimits> | undefined): WebPubSubLimits {
  const limits = { ...DEFAULT_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`expected limits.${name} to be a positive integer, got ${String(value)}`);
  }
  return limits;
}

function eventHandler(where: string, raw: unknown): EventHandlerSettings {
  const handler = record(where, raw);
  const systemEvents = list(`${where}.systemEvents`, handler.systemEvents).map((name, i) => {
    if (!SYSTEM_EVENTS.includes(name as SystemEventName)) configError(`${where}.systemEvents[${i}]`, 'connect, connected or disconnected', name);
    return name as SystemEventName;
  });
  const pattern = handler.userEventPattern;
  if (pattern !== undefined && typeof pattern !== 'string') configError(`${where}.userEventPattern`, 'a string', pattern);
  return {
    urlTemplate: text(`${where}.urlTemplate`, handler.urlTemplate),
    ...(pattern !== undefined ? { userEventPattern: pattern } : {}),
    ...(handler.systemEvents !== undefined ? { systemEvents } : {}),
  };
}

function hubSettings(where: string, raw: unknown): HubSettings {
  const settings = record(where, raw);
  return {
    ...(settings.eventHandlers !== undefined ? { eventHandlers: list(`${where}.eventHandlers`, settings.eventHandlers).map((handler, i) => eventHandler(`${where}.eventHandlers[${i}]`, handler)) } : {}),
    ...(settings.allowAnonymous !== undefined ? { allowAnonymous: flag(`${where}.allowAnonymous`, settings.allowAnonymous, false) } : {}),
  };
}

/** Hub settings from the config (an object, or a file read by the host) and the `hubs` option, validated; keys lowercased. */
export function loadHubSettings(options: WebPubSubEmulatorOptions): Map<string, HubSettings> {
  const fromConfig = resolveConfigOption('webpubsub', options.config) ?? {};
  const merged = new Map<string, HubSettings>();
  for (const [where, source] of [['hubs', fromConfig.hubs], ['the hubs option', options.hubs]] as const) {
    if (source === undefined) continue;
    for (const [hub, settings] of Object.entries(record(where, source))) merged.set(hub.toLowerCase(), hubSettings(`${where}.${hub}`, settings));
  }
  return merged;
}
