import type { IncomingMessage } from 'node:http';
import { concatBytes } from '../core/encoding.js';

// The one reader of HTTP request bodies in the package: the emulators' routes (Relay's front
// door, Web PubSub's REST API, the dashboard) and the Node binding's toNodeListener. A body has a
// per-request limit and may be charged to a budget shared by all requests of a service, so N
// slow or huge uploads cannot add up to unbounded memory. A declared Content-Length is checked
// and charged before a byte is read; a chunked body is charged as it arrives.

/** A refused or failed body; `status` is the HTTP answer it calls for. */
export class BodyReadError extends Error {
  constructor(
    readonly status: 400 | 408 | 413 | 503,
    message: string,
  ) {
    super(message);
    this.name = 'BodyReadError';
  }
}

export class BodyTooLargeError extends BodyReadError {
  constructor(readonly limit: number) {
    super(413, `expected a request body of at most ${limit} bytes, got more`);
    this.name = 'BodyTooLargeError';
  }
}

export class BudgetExhaustedError extends BodyReadError {
  constructor(readonly limit: number) {
    super(503, `the emulator holds ${limit} bytes of request bodies already; try again later`);
    this.name = 'BudgetExhaustedError';
  }
}

export class BodyAbortedError extends BodyReadError {
  constructor() {
    super(400, 'the request body was cut short');
    this.name = 'BodyAbortedError';
  }
}

export class BodyStalledError extends BodyReadError {
  constructor(readonly idleMs: number) {
    super(408, `the request body stalled for ${idleMs} ms`);
    this.name = 'BodyStalledError';
  }
}

/** A byte budget shared by several readers. */
export class ByteBudget {
  #used = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit <= 0) throw new RangeError(`expected a byte budget > 0, got ${String(limit)}`);
  }

  get inUse(): number {
    return this.#used;
  }

  /** Takes `bytes`; false (and nothing taken) when that would go past the limit. */
  tryTake(bytes: number): boolean {
    if (bytes < 0 || this.#used + bytes > this.limit) return false;
    this.#used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }

  /** A running share of this budget for one piece of work (a body, an exchange). */
  hold(): BudgetHold {
    return new BudgetHold(this);
  }
}

/** What one piece of work holds of a budget; `release()` gives it all back and is safe to call twice. */
export class BudgetHold {
  #held = 0;

  constructor(readonly budget: ByteBudget) {}

  get held(): number {
    return this.#held;
  }

  grow(bytes: number): boolean {
    if (!this.budget.tryTake(bytes)) return false;
    this.#held += bytes;
    return true;
  }

  release(): void {
    this.budget.give(this.#held);
    this.#held = 0;
  }
}

export interface BodyOptions {
  maxBytes: number;
  /** Charge the body to this shared budget (a new hold, given back by `release()`). */
  budget?: ByteBudget;
  /** Or to a hold the caller already has, e.g. with a per-request overhead in it. */
  hold?: BudgetHold;
  /** Give up on a body when no byte arrives for this long (408). */
  idleTimeoutMs?: number;
  /**
   * After a refusal: `drain` reads and discards the rest, so the connection can carry the answer
   * and more requests (default); `stop` reads no more, and the caller answers with
   * `Connection: close` — for limits large enough that draining would cost real time.
   */
  afterRefusal?: 'drain' | 'stop';
}

/** A body held in memory with its budget share; `release()` gives the share back (idempotent). */
export interface HeldBody {
  /** Its own memory, never a view of Buffer's shared pool: safe to keep, and a fetch body as it is. */
  bytes: Uint8Array<ArrayBuffer>;
  release(): void;
}

/** A body as the chunks it arrived in (views of the socket's reads), with its budget share. */
export interface HeldChunks {
  chunks: Uint8Array<ArrayBuffer>[];
  /** Their total size. */
  length: number;
  release(): void;
}

/**
 * Reads a request body within `maxBytes` and the budget. Rejects with a BodyReadError: 413 past
 * the limit, 503 past the budget, 408 when it stalls, 400 when the sender hangs up mid-body.
 */
export function readBody(req: IncomingMessage, options: BodyOptions): Promise<HeldBody> {
  return collectBody(req, options, false).then(({ chunks, release }) => ({ bytes: chunks[0]!, release }));
}

/**
 * readBody's checks, but the body stays in the chunks it arrived in: for a body that is only
 * passed on (the Relay front door writes it to a listener's socket), joining it would be a copy
 * and an allocation of its whole size for nothing.
 */
export function readBodyChunks(req: IncomingMessage, options: BodyOptions): Promise<HeldChunks> {
  return collectBody(req, options, true);
}

/** With `keepChunks` false, `chunks` is one buffer of the whole body (its own memory). */
function collectBody(req: IncomingMessage, options: BodyOptions, keepChunks: boolean): Promise<HeldChunks> {
  const { maxBytes, idleTimeoutMs } = options;
  const hold = options.hold ?? options.budget?.hold();
  const declared = Number(req.headers['content-length']);
  const prepaid = Number.isFinite(declared) && declared > 0 ? declared : 0;
  return new Promise((resolve, reject) => {
    // With a declared length the body is copied once into a buffer of that size (Node's parser
    // ends the body there); only chunked bodies collect chunks and join them at the end.
    let whole: Buffer<ArrayBuffer> | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    let idle: NodeJS.Timeout | undefined;
    const stopWatching = () => {
      clearTimeout(idle);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const fail = (error: BodyReadError, refused: boolean) => {
      if (settled) return;
      settled = true;
      stopWatching();
      chunks.length = 0;
      whole = undefined;
      // The caller's own hold is the caller's to release; a hold made here is given back now.
      if (!options.hold) hold?.release();
      if (refused && options.afterRefusal === 'stop') req.pause();
      else req.resume();
      reject(error);
    };
    const watchIdle = () => {
      if (idleTimeoutMs === undefined) return;
      clearTimeout(idle);
      idle = setTimeout(() => fail(new BodyStalledError(idleTimeoutMs), true), idleTimeoutMs);
    };
    function onData(chunk: Buffer): void {
      watchIdle();
      if (keepChunks && prepaid > 0) {
        // Charged up front; more than declared is refused as for a whole buffer.
        if (size + chunk.length > prepaid) return fail(new BodyTooLargeError(maxBytes), true);
        size += chunk.length;
        chunks.push(chunk);
        return;
      }
      if (whole) {
        // More than declared: Node's parser never lets this through, but the buffer must not overflow.
        if (size + chunk.length > whole.length) return fail(new BodyTooLargeError(maxBytes), true);
        chunk.copy(whole, size);
        size += chunk.length;
        return;
      }
      if (size + chunk.length > maxBytes) return fail(new BodyTooLargeError(maxBytes), true);
      if (hold && !hold.grow(chunk.length)) return fail(new BudgetExhaustedError(hold.budget.limit), true);
      size += chunk.length;
      chunks.push(chunk);
    }
    function onEnd(): void {
      if (settled) return;
      settled = true;
      stopWatching();
      const parts: Uint8Array<ArrayBuffer>[] = keepChunks ? (chunks as Buffer<ArrayBuffer>[]) : [whole ? whole.subarray(0, size) : concatBytes(chunks)];
      let released = false;
      resolve({
        chunks: parts,
        length: size,
        release: () => {
          if (released) return;
          released = true;
          hold?.release();
        },
      });
    }
    const onError = () => fail(new BodyAbortedError(), false);
    const onClose = () => {
      if (!req.complete) fail(new BodyAbortedError(), false);
    };
    if (prepaid > maxBytes) return fail(new BodyTooLargeError(maxBytes), true);
    if (prepaid > 0 && hold && !hold.grow(prepaid)) return fail(new BudgetExhaustedError(hold.budget.limit), true);
    // Not from the shared pool: a kept body must not pin a slab other buffers live in.
    if (prepaid > 0 && !keepChunks) whole = Buffer.allocUnsafeSlow(prepaid);
    watchIdle();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
