import type { Connection } from 'rhea';

// What the frame guard's transfer verdicts do to rhea's state. When a delivery grows past the
// message size limit, its earlier fragments are already in rhea (`receiver._incomplete.frames`):
// they are released, the delivery is rejected and settled so rhea's queue lets go of it, and the
// link is detached, both with amqp:link:message-size-exceeded (docs/protocol/eventhubs.md §5).
// Frames withheld from rhea still advance its transfer and delivery numbering, so the deliveries
// on the session's other links keep arriving in the order rhea expects.

interface IncomingQueue {
  next_transfer_id: number;
  next_delivery_id: number | undefined;
}

interface IncompleteDelivery {
  frames?: Buffer[];
  settled: boolean;
  reject(error: { condition: string; description: string }): void;
}

interface RheaReceiver {
  _incomplete?: IncompleteDelivery;
  is_open(): boolean;
  close(error?: { condition: string; description: string }): void;
}

interface RheaSession {
  incoming: IncomingQueue;
  remote: { handles: Record<number, RheaReceiver | undefined> };
}

function sessionOn(connection: Connection | undefined, channel: number): RheaSession | undefined {
  return (connection as unknown as { remote_channel_map?: Record<number, RheaSession | undefined> } | undefined)?.remote_channel_map?.[channel];
}

/** A transfer frame rhea will not see: count it as received, as rhea would have. */
export function skipWithheldTransfer(connection: Connection | undefined, channel: number, deliveryId: number | null): void {
  const incoming = sessionOn(connection, channel)?.incoming;
  if (!incoming) return;
  incoming.next_transfer_id++;
  if (deliveryId !== null && (incoming.next_delivery_id === undefined || deliveryId === incoming.next_delivery_id)) {
    incoming.next_delivery_id = deliveryId + 1;
  }
}

export function releaseOversizeDelivery(
  connection: Connection | undefined,
  oversize: { channel: number; handle: number; description: string; deliveryId?: number | null },
): void {
  skipWithheldTransfer(connection, oversize.channel, oversize.deliveryId ?? null);
  const link = sessionOn(connection, oversize.channel)?.remote.handles[oversize.handle];
  if (!link) return;
  const error = { condition: 'amqp:link:message-size-exceeded', description: oversize.description };
  const incomplete = link._incomplete;
  if (incomplete) {
    // Rejected first, so the client's send fails with MessageTooLargeError (as Microsoft's
    // emulator answers, docs/protocol/eventhubs.md §5) rather than waiting on the detach.
    incomplete.frames = [];
    incomplete.reject(error);
    incomplete.settled = true;
    link._incomplete = undefined;
  }
  link.close(error);
}
