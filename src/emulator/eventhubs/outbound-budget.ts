import type { Connection } from 'rhea';

// How much a connection may have written but not yet sent. A consumer link stops pumping events
// once its connection's unsent bytes (the socket's write buffer plus transfers rhea still queues)
// reach the bound, and resumes when the socket drains, so a receiver that never reads costs
// O(bound) memory however much credit it granted; the events themselves stay in the partition
// log, shared by every reader.

export const DEFAULT_MAX_OUTBOUND_BYTES = 4 * 1024 * 1024;
/** Below a socket's 16 KiB high-water mark a full buffer would never emit 'drain'. */
export const MIN_OUTBOUND_BYTES = 64 * 1024;

export interface OutboundBudget {
  readonly limit: number;
  /** Bytes written to the transport and not yet handed to the kernel. */
  buffered(): number;
  /** Calls `wake` once, the next time the transport drains. */
  whenDrained(wake: () => void): void;
}

const budgets = new WeakMap<Connection, OutboundBudget>();

export function setOutboundBudget(connection: Connection, budget: OutboundBudget): void {
  budgets.set(connection, budget);
}

export function outboundBudgetOf(connection: Connection): OutboundBudget | undefined {
  return budgets.get(connection);
}

/** A budget over a transport that reports its buffered bytes and its drains. */
export function transportBudget(limit: number, buffered: () => number, onDrain: (handler: () => void) => void): OutboundBudget {
  const waiting = new Set<() => void>();
  onDrain(() => {
    const wakes = [...waiting];
    waiting.clear();
    for (const wake of wakes) wake();
  });
  return { limit: Math.max(limit, MIN_OUTBOUND_BYTES), buffered, whenDrained: (wake) => waiting.add(wake) };
}

interface PendingDelivery {
  link: unknown;
  data: Buffer[];
  next_to_send?: number;
}

interface OutgoingQueue {
  next_pending_delivery: number;
  next_delivery_id: number;
  deliveries: { by_id(id: number): PendingDelivery | undefined; available(): number };
}

/**
 * Transfers rhea queued on a session and has not written yet (it writes only within the peer's
 * session window and the link's credit): how many belong to `link`, and their bytes session-wide.
 */
export function queuedOutgoing(session: unknown, link: unknown): { count: number; bytes: number; room: number } {
  const outgoing = (session as { outgoing: OutgoingQueue }).outgoing;
  let count = 0;
  let bytes = 0;
  for (let id = outgoing.next_pending_delivery; id < outgoing.next_delivery_id; id++) {
    const delivery = outgoing.deliveries.by_id(id);
    if (!delivery) continue;
    if (delivery.link === link) count++;
    for (let index = delivery.next_to_send ?? 0; index < delivery.data.length; index++) bytes += delivery.data[index]!.length;
  }
  return { count, bytes, room: outgoing.deliveries.available() };
}
