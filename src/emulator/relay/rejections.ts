import type { IncomingMessage } from 'node:http';

// The last answers the relay emulator refused something with (status + reason), for the
// dashboard (src/emulator/dashboard). replies.ts reports each one through a sink the server puts
// on every request's response or upgrade's socket; nothing here ever sees a token: the path is
// kept without its query (sb-hc-token travels there) and the reason is already redacted.

export const REJECTION_SINK = Symbol('relay rejection sink');

/** A response or socket that may carry the sink replies.ts reports to. */
export interface RejectionReporting {
  [REJECTION_SINK]?: (status: number, reason: string) => void;
}

export interface RelayRejection {
  /** ms since the epoch. */
  at: number;
  status: number;
  /** `http` for a request, `websocket` for an upgrade. */
  kind: 'http' | 'websocket';
  method: string;
  /** The request path, without the query; at most 200 characters. */
  path: string;
  /** `sb-hc-action` of an upgrade (listen, connect, accept, request), when it named one we know. */
  action?: string;
  /** The reason phrase sent (already redacted); at most 300 characters. */
  reason: string;
}

const ACTIONS = new Set(['listen', 'connect', 'accept', 'request']);
export const DEFAULT_REJECTION_RING_SIZE = 100;

export class RejectionRing {
  readonly #entries: RelayRejection[] = [];
  #total = 0;

  constructor(readonly capacity = DEFAULT_REJECTION_RING_SIZE) {}

  /** Puts a sink on `target` that records what replies.ts refuses `req` with. */
  watch(req: IncomingMessage, target: object, kind: RelayRejection['kind']): void {
    (target as RejectionReporting)[REJECTION_SINK] = (status, reason) => this.add(describe(req, kind, status, reason));
  }

  add(rejection: RelayRejection): void {
    this.#total++;
    this.#entries.push(rejection);
    if (this.#entries.length > this.capacity) this.#entries.shift();
  }

  /** Newest first. */
  recent(): RelayRejection[] {
    return [...this.#entries].reverse();
  }

  /** Rejections since start, including those the ring no longer holds. */
  get total(): number {
    return this.#total;
  }
}

function describe(req: IncomingMessage, kind: RelayRejection['kind'], status: number, reason: string): RelayRejection {
  const target = req.url ?? '/';
  const queryAt = target.indexOf('?');
  const path = (queryAt < 0 ? target : target.slice(0, queryAt)).slice(0, 200);
  let action: string | undefined;
  if (queryAt >= 0) {
    const named = new URLSearchParams(target.slice(queryAt + 1)).get('sb-hc-action');
    if (named && ACTIONS.has(named)) action = named;
  }
  return { at: Date.now(), status, kind, method: (req.method ?? 'GET').slice(0, 16), path, ...(action ? { action } : {}), reason: reason.slice(0, 300) };
}
