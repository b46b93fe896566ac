import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { RENDEZVOUS_LIFETIME_MS } from '../../core/relay/protocol.js';

// Single-use rendezvous addresses (docs/protocol/relay.md §1.3, §1.5): the service hands the listener an
// address that works for one connect within ~30 s and needs no token. Each entry is taken out
// of the table by the first connect that reaches it, or by its timer.

export type RendezvousAction = 'accept' | 'request';

export interface RendezvousArrival {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  url: URL;
}

export interface RendezvousEntry {
  action: RendezvousAction;
  id: string;
  address: string;
  /** The listener dialled the address. */
  arrive(arrival: RendezvousArrival): void;
  /** Nobody dialled within the lifetime. */
  expire(): void;
}

export interface RendezvousSpec {
  action: RendezvousAction;
  /** ws: or wss: */
  scheme: string;
  /** The listener's Host header: rendezvous addresses keep its host name so they stay reachable (and match TLS). */
  host: string;
  /** Encoded `$hc/…` path: entity plus any sender suffix. */
  path: string;
  /** The sender's app query (sb-hc-* removed), carried through for accept (docs/protocol/relay.md §1.3). */
  appQuery?: string;
  /** Sender-supplied sb-hc-id, if any; the service appends gateway suffixes to it. */
  trackingId?: string;
  /** How long the address stays valid; `'owner'`: until the owner cancels it (it has a deadline of its own). */
  lifetimeMs?: number | 'owner';
  arrive(arrival: RendezvousArrival): void;
  expire(): void;
}

export class RendezvousTable {
  readonly #entries = new Map<string, { entry: RendezvousEntry; timer: NodeJS.Timeout | undefined }>();
  #counter = 0;

  /**
   * The port rendezvous addresses point at, or undefined for the port the listener reached us on.
   * The service hands out another gateway host (docs/protocol/relay.md §1.3); a separate port plays that part.
   */
  port: number | undefined;

  create(spec: RendezvousSpec): RendezvousEntry {
    const id = `${spec.trackingId ?? randomUUID()}_G${++this.#counter}`;
    const query = [spec.appQuery, `sb-hc-action=${spec.action}`, `sb-hc-id=${encodeURIComponent(id)}`].filter(Boolean).join('&');
    const entry: RendezvousEntry = {
      action: spec.action,
      id,
      address: `${spec.scheme}://${this.#authority(spec.host)}/$hc/${spec.path}?${query}`,
      arrive: spec.arrive,
      expire: spec.expire,
    };
    let timer: NodeJS.Timeout | undefined;
    if (spec.lifetimeMs !== 'owner') {
      timer = setTimeout(() => {
        if (this.#entries.get(id)?.entry === entry) {
          this.#entries.delete(id);
          entry.expire();
        }
      }, spec.lifetimeMs ?? RENDEZVOUS_LIFETIME_MS);
      timer.unref();
    }
    this.#entries.set(id, { entry, timer });
    return entry;
  }

  /** Removes and returns the entry when the action matches; a second take gets nothing (single use). */
  take(id: string, action: RendezvousAction): RendezvousEntry | undefined {
    const found = this.#entries.get(id);
    if (!found || found.entry.action !== action) return undefined;
    clearTimeout(found.timer);
    this.#entries.delete(id);
    return found.entry;
  }

  /** Drops an entry without calling it (its sender went away). */
  cancel(entry: RendezvousEntry): void {
    const found = this.#entries.get(entry.id);
    if (found?.entry !== entry) return;
    clearTimeout(found.timer);
    this.#entries.delete(entry.id);
  }

  /** The listener's Host header, with its port swapped for the rendezvous port when there is one. */
  #authority(hostHeader: string): string {
    if (this.port === undefined) return hostHeader;
    const hostname = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.replace(/:\d*$/, '');
    return `${hostname}:${this.port}`;
  }

  clear(): void {
    for (const { timer } of this.#entries.values()) clearTimeout(timer);
    this.#entries.clear();
  }
}
