import { readFileSync } from 'node:fs';
import type { ListenOptions } from '../types.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS } from '../host/connection-guard.js';

// Emulator settings, shaped like the service's hub settings (docs/protocol/webpubsub.md §5 "Configuration").

export type SystemEventName = 'connect' | 'connected' | 'disconnected';

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
}

/** 16 MiB: the service's own bound on a reliable client's unacked messages (§4), far past any burst a reading client builds. */
export const DEFAULT_LIMITS: WebPubSubLimits = {
  maxOutboundBufferBytes: 16 * 1024 * 1024,
  maxUpstreamQueueFrames: 1000,
  maxUpstreamQueueBytes: 16 * 1024 * 1024,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  handshakeTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT_MS,
};

export function resolveLimits(given: Partial<WebPubSubLimits> | undefined): WebPubSubLimits {
  const limits = { ...DEFAULT_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`expected limits.${name} to be a positive integer, got ${String(value)}`);
  }
  return limits;
}

export function loadHubSettings(options: WebPubSubEmulatorOptions): Map<string, HubSettings> {
  const fromConfig: WebPubSubConfig =
    typeof options.config === 'string' ? (JSON.parse(readFileSync(options.config, 'utf8')) as WebPubSubConfig) : (options.config ?? {});
  const merged = new Map<string, HubSettings>();
  for (const source of [fromConfig.hubs ?? {}, options.hubs ?? {}]) {
    for (const [hub, settings] of Object.entries(source)) {
      if (settings?.eventHandlers?.some((h) => typeof h.urlTemplate !== 'string')) {
        throw new TypeError(`expected every event handler of hub ${hub} to have a urlTemplate string`);
      }
      merged.set(hub.toLowerCase(), settings);
    }
  }
  return merged;
}
