import type { IncomingMessage } from 'node:http';

// Bounded request bodies for every HTTP route of the emulators: a per-request limit, and an optional
// budget shared by all requests of a service, so N slow or huge uploads cannot add up to unbounded
// memory. Bytes are reserved from the budget as they arrive and given back when the body is done
// with (or the request fails).

export class BodyTooLargeError extends RangeError {
  readonly status = 413;
  constructor(limit: number) {
    super(`expected a request body of at most ${limit} bytes, got more`);
    this.name = 'BodyTooLargeError';
  }
}

export class BudgetExhaustedError extends RangeError {
  readonly status = 503;
  constructor(limit: number) {
    super(`the emulator holds ${limit} bytes of request bodies already; try again later`);
    this.name = 'BudgetExhaustedError';
  }
}

export class BodyAbortedError extends Error {
  readonly status = 400;
  constructor() {
    super('the request body was cut short');
    this.name = 'BodyAbortedError';
  }
}

/** A byte budget shared by several readers. */
export class ByteBudget {
  private used = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit <= 0) throw new RangeError(`expected a byte budget > 0, got ${String(limit)}`);
  }

  get inUse(): number {
    return this.used;
  }

  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

export interface BodyOptions {
  maxBytes: number;
  budget?: ByteBudget;
}

/** A body held in memory, with its budget reservation; `release()` gives the bytes back (idempotent). */
export interface HeldBody {
  bytes: Uint8Array;
  release(): void;
}

/**
 * Reads a request body within `maxBytes` (a Content-Length above it fails before any byte is read)
 * and within the shared budget. On failure the request is drained, not destroyed, so the caller
 * can still answer with its status.
 */
export function readBody(req: IncomingMessage, options: BodyOptions): Promise<HeldBody> {
  const { maxBytes, budget } = options;
  return new Promise((resolve, reject) => {
    let held = 0;
    const chunks: Buffer[] = [];
    let settled = false;
    const giveBack = () => {
      budget?.give(held);
      held = 0;
    };
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      giveBack();
      req.off('data', onData);
      req.resume();
      reject(error);
    };
    function onData(chunk: Buffer): void {
      if (held + chunk.length > maxBytes) return fail(new BodyTooLargeError(maxBytes));
      if (budget && !budget.tryTake(chunk.length)) return fail(new BudgetExhaustedError(budget.limit));
      held += chunk.length;
      chunks.push(chunk);
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) return fail(new BodyTooLargeError(maxBytes));
    req.on('data', onData);
    req.on('error', () => fail(new BodyAbortedError()));
    req.on('close', () => {
      if (!req.complete) fail(new BodyAbortedError());
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      const bytes = new Uint8Array(Buffer.concat(chunks));
      let released = false;
      resolve({
        bytes,
        release: () => {
          if (released) return;
          released = true;
          giveBack();
        },
      });
    });
  });
}
