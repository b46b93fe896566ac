// rhea queues a sender's deliveries on its session and writes them as the peer's session window
// allows, in delivery-id order, whatever became of their link. A consumer link the client
// detached (or stole, or whose session ended) would so go on sending transfers after the detach:
// the client's rhea answers "Invalid handle" and drops the connection (the Azure SDK's close()
// then hangs in a reconnect). So the link's unsent deliveries are taken out of the queue, and
// the ones behind them renumbered: none of them has been on the wire, and delivery-ids on a
// session must stay consecutive (rhea checks).

interface QueuedDelivery {
  id: number;
  link: unknown;
  next_to_send?: number;
}

interface DeliveryRing {
  capacity: number;
  size: number;
  head: number;
  tail: number;
  entries: Array<QueuedDelivery | undefined>;
}

interface OutgoingQueue {
  deliveries: DeliveryRing;
  next_pending_delivery: number;
  next_delivery_id: number;
}

/** Drops `link`'s deliveries that have not started to go out; returns how many. */
export function dropUnsentDeliveries(session: unknown, link: unknown): number {
  const outgoing = (session as { outgoing?: OutgoingQueue } | undefined)?.outgoing;
  const ring = outgoing?.deliveries;
  if (!outgoing || !ring || ring.size === 0) return 0;
  const headId = ring.entries[ring.head]!.id;
  // From the first delivery none of whose frames was written.
  let firstUnsent = outgoing.next_pending_delivery;
  const partial = byId(ring, headId, firstUnsent);
  if (partial && (partial.next_to_send ?? 0) > 0) firstUnsent++;
  const from = firstUnsent - headId;
  if (from >= ring.size) return 0;
  const kept: QueuedDelivery[] = [];
  let dropped = 0;
  for (let index = from; index < ring.size; index++) {
    const delivery = ring.entries[(ring.head + index) % ring.capacity]!;
    if (delivery.link === link) dropped++;
    else kept.push(delivery);
  }
  if (dropped === 0) return 0;
  for (let index = 0; index < kept.length; index++) {
    kept[index]!.id = firstUnsent + index;
    ring.entries[(ring.head + from + index) % ring.capacity] = kept[index];
  }
  for (let index = from + kept.length; index < ring.size; index++) ring.entries[(ring.head + index) % ring.capacity] = undefined;
  ring.size = from + kept.length;
  ring.tail = (ring.head + ring.size) % ring.capacity;
  outgoing.next_delivery_id = firstUnsent + kept.length;
  return dropped;
}

function byId(ring: DeliveryRing, headId: number, id: number): QueuedDelivery | undefined {
  const gap = id - headId;
  return gap >= 0 && gap < ring.size ? ring.entries[(ring.head + gap) % ring.capacity] : undefined;
}
