import type { EventHubsInspector } from '../eventhubs/snapshot.js';
import type { RelayInspector } from '../relay/snapshot.js';
import type { WebPubSubInspector } from '../webpubsub/snapshot.js';
import { DEFAULT_BODY_IDLE_TIMEOUT_MS } from '../host/stalled-bodies.js';

// Options and inputs of the emulator dashboard (server.ts). Limits are far above what one
// developer's browser tabs need and small enough that a page left open costs nothing.

/** The CLI's port for the dashboard when none is given (the relay's 7380 + 10). */
export const DEFAULT_DASHBOARD_PORT = 7390;

export interface DashboardOptions {
  /** 0 picks a free port; default 0 (the CLI uses DEFAULT_DASHBOARD_PORT). */
  port?: number;
  /** Where to bind; default the emulator's host (127.0.0.1). */
  host?: string;
  /** When `port` is taken, use a free one instead of failing (the CLI's default port does this). */
  fallbackToFreePort?: boolean;
  /** Pages open at once over the live stream; one more gets 503. Default 16. */
  maxViewers?: number;
  /** How often the picture is taken and pushed to viewers when it changed; default 500 ms. */
  intervalMs?: number;
  /** Bytes queued towards one viewer past which it only gets the newest picture once it drains; default 1 MiB. */
  maxViewerBufferBytes?: number;
  /** A form body that makes no progress this long is answered 408 and its connection closed; default 30 s. */
  bodyIdleTimeoutMs?: number;
  /** Characters of any one string in a picture (names clients chose); longer ones are cut with "…". Default 256. */
  maxPictureStringLength?: number;
  /** About this many bytes of a picture; list items past it are left out and counted ("… N more"). Default 1 MiB. */
  maxPictureBytes?: number;
  /** Receives one line per notable event; never given secrets. */
  log?: (line: string) => void;
}

export const DASHBOARD_DEFAULTS = { maxViewers: 16, intervalMs: 500, maxViewerBufferBytes: 1024 * 1024, bodyIdleTimeoutMs: DEFAULT_BODY_IDLE_TIMEOUT_MS, maxPictureStringLength: 256, maxPictureBytes: 1024 * 1024 };
/** A form's JSON body; an Event Hubs body is at most 64 KiB of it (eventhubs/snapshot.ts). */
export const MAX_ACTION_BODY_BYTES = 96 * 1024;
/** Every form body held at once. */
export const ACTION_BODY_BUDGET_BYTES = 1024 * 1024;
export const HEARTBEAT_MS = 15_000;

/** What the dashboard reads: each running service's inspector, and where it listens (no keys). */
export interface DashboardSources {
  relay?: { inspector: RelayInspector; endpoint: string };
  webpubsub?: { inspector: WebPubSubInspector; endpoint: string };
  eventhubs?: { inspector: EventHubsInspector; endpoint: string };
}

export interface RunningDashboard {
  readonly host: string;
  readonly port: number;
  /** `http://host:port/`, what to open in a browser. */
  readonly url: string;
  /** Viewers connected to the live stream now. */
  viewerCount(): number;
  close(): Promise<void>;
}

export function resolveDashboardLimits(options: DashboardOptions): typeof DASHBOARD_DEFAULTS {
  const positive = (name: keyof typeof DASHBOARD_DEFAULTS): number => {
    const value = options[name];
    if (value === undefined) return DASHBOARD_DEFAULTS[name];
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`expected dashboard ${name} > 0, got ${String(value)}`);
    return value;
  };
  return { maxViewers: positive('maxViewers'), intervalMs: positive('intervalMs'), maxViewerBufferBytes: positive('maxViewerBufferBytes'), bodyIdleTimeoutMs: positive('bodyIdleTimeoutMs'),
    maxPictureStringLength: positive('maxPictureStringLength'),
    maxPictureBytes: positive('maxPictureBytes'),
  };
}
