import type { IncomingMessage } from 'node:http';

// One budget for every HTTP body the Relay emulator holds in memory at once (request bodies
// waiting for a listener's answer, response bodies waiting for the sender to read them). A
// per-request limit alone let 16 authorized 60 MB POSTs to a listener that never answers hold
// 1.99 GB; with the budget, a request that would go past it is refused before its body is read.

/** Largest request or response body one exchange may carry (the service's own limit is not documented). */
export const DEFAULT_HTTP_BODY_LIMIT_BYTES = 64 * 1024 * 1024;
/**
 * What one exchange costs besides its body (request frame, timers, table entries), so that
 * bodiless requests, e.g. thousands pipelined on one connection, are bounded by the budget too.
 */
export const EXCHANGE_OVERHEAD_BYTES = 4 * 1024;
/** All HTTP bodies held at once, across every entity and connection. */
export const DEFAULT_HTTP_BODY_BUDGET_BYTES = 256 * 1024 * 1024;

export class BodyBudget {
  #inUse = 0;

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.#inUse;
  }

  /** Takes `bytes` from the budget; false (and nothing taken) when that would go past it. */
  tryReserve(bytes: number): boolean {
    if (bytes < 0 || this.#inUse + bytes > this.capacity) return false;
    this.#inUse += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#inUse = Math.max(0, this.#inUse - bytes);
  }
}

/** What holding one body costs; `release()` gives it all back and is safe to call twice. */
export class BodyReservation {
  #held = 0;

  constructor(private readonly budget: BodyBudget) {}

  get held(): number {
    return this.#held;
  }

  grow(bytes: number): boolean {
    if (!this.budget.tryReserve(bytes)) return false;
    this.#held += bytes;
    return true;
  }

  release(): void {
    this.budget.release(this.#held);
    this.#held = 0;
  }
}

export type BodyRefusal = 'too_large' | 'over_budget' | 'stalled';

/**
 * Reads a request body into memory, charging `reservation` as it goes. A declared length past the
 * limit or the budget is refused before a byte is read; a chunked body is cut off the moment it
 * crosses either. A body that stalls for `stallMs` is given up, so a sender that declares a large
 * length and sends nothing cannot hold its share of the budget. A refused body is not read on:
 * the caller answers and closes the connection.
 */
export function readBudgetedBody(req: IncomingMessage, limit: number, reservation: BodyReservation, stallMs: number): Promise<Uint8Array | BodyRefusal> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve('too_large');
  if (Number.isFinite(declared) && declared > 0 && !reservation.grow(declared)) return Promise.resolve('over_budget');
  const prepaid = Number.isFinite(declared) && declared > 0 ? declared : 0;
  return new Promise((resolve, reject) => {
    // With a declared length the body is copied once into a buffer of that size (Node's parser
    // ends the body there); only chunked bodies collect chunks and join them at the end.
    const whole = prepaid > 0 ? Buffer.allocUnsafe(prepaid) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let stall: NodeJS.Timeout | undefined;
    const watch = () => {
      clearTimeout(stall);
      stall = setTimeout(() => refuse('stalled'), stallMs);
    };
    const refuse = (why: BodyRefusal) => {
      clearTimeout(stall);
      req.removeAllListeners('data');
      req.pause();
      chunks.length = 0;
      resolve(why);
    };
    watch();
    req.on('data', (chunk: Buffer) => {
      watch();
      if (whole) {
        if (size + chunk.length > whole.length) return refuse('too_large'); // more than declared: Node's parser never lets this through
        chunk.copy(whole, size);
        size += chunk.length;
        return;
      }
      size += chunk.length;
      if (size > limit) return refuse('too_large');
      if (!reservation.grow(chunk.length)) return refuse('over_budget');
      chunks.push(chunk);
    });
    req.on('end', () => {
      clearTimeout(stall);
      resolve(whole ? whole.subarray(0, size) : Buffer.concat(chunks, size));
    });
    req.on('error', (error) => {
      clearTimeout(stall);
      reject(error);
    });
    // A sender that hangs up mid-body gets no answer; the caller's finally gives the budget back.
    req.once('close', () => {
      clearTimeout(stall);
      if (!req.complete) reject(new Error('the sender closed the request before its body ended'));
    });
  });
}
