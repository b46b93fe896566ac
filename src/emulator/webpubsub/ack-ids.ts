import type { AckId } from '../../core/webpubsub/frames.js';

/**
 * The ackIds a connection published with successfully: an ackId makes a publish idempotent per
 * connection (docs/protocol/webpubsub.md §4 "ack"). Only successes are remembered, so a request
 * refused as Forbidden can be retried with the same ackId once permitted.
 */
export class RememberedAckIds {
  readonly #ids = new Set<AckId>();

  // [?] The service's de-dup window is not documented; keep the newest ids so memory stays bounded.
  readonly #capacity: number;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  has(id: AckId): boolean {
    return this.#ids.has(id);
  }

  add(id: AckId): void {
    this.#ids.add(id);
    if (this.#ids.size > this.#capacity) this.#ids.delete(this.#ids.values().next().value!);
  }
}
