import type { AckId } from '../../core/webpubsub/frames.js';

/**
 * The ackIds a connection published with successfully: an ackId makes a publish idempotent per
 * connection (docs/protocol/webpubsub.md §4 "ack"). Only successes are remembered, so a request
 * refused as Forbidden can be retried with the same ackId once permitted.
 */
export class RememberedAckIds {
  #ids: Set<AckId> | undefined; // made on the first ackId

  // [?] The service's de-dup window is not documented; keep the newest ids so memory stays bounded.
  readonly #capacity: number;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  has(id: AckId): boolean {
    return this.#ids?.has(id) ?? false;
  }

  add(id: AckId): void {
    const ids = (this.#ids ??= new Set());
    ids.add(id);
    if (ids.size > this.#capacity) ids.delete(ids.values().next().value!);
  }
}
