import { exponentialDelay } from '../backoff.js';
import type { RealtimeErrorCode } from '../errors.js';
import type { Timers } from '../runtime-types.js';
import type { RetryOptions } from './rest-types.js';

// The REST transport's failure path (rest.ts): retry delays and what a failed answer says. Loaded on
// the first failure, so a page that sends does not load it up front (scripts/size.mjs); it imports
// no module the transport itself uses at run time, so it splits nothing out of the page's code.

// 408, 429 and 5xx except 501/505, as @azure/core-rest-pipeline's default retry policy.
export const RETRIABLE = [408, 429, 500, 502, 503, 504];

const STATUS_CODES: Record<number, RealtimeErrorCode> = {
  400: 'rejected',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  408: 'timeout',
  413: 'too_large',
  429: 'unavailable',
  503: 'unavailable',
  504: 'timeout',
};

/** The wait before the next attempt: Retry-After when the service sent one, else exponential, capped. */
export function retryDelay(attempt: number, options: Required<Pick<RetryOptions, 'retryDelayInMs' | 'maxRetryDelayInMs'>>, retryAfter: string | null | undefined, nowMs: number): number {
  const { retryDelayInMs, maxRetryDelayInMs } = options;
  return Math.min(retryAfterMs(retryAfter ?? null, nowMs) ?? exponentialDelay(attempt, retryDelayInMs, maxRetryDelayInMs), maxRetryDelayInMs);
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const ms = Number.isFinite(+header) ? +header * 1000 : Date.parse(header) - nowMs;
  return Number.isNaN(ms) ? undefined : Math.max(0, ms);
}

/** Resolves after `ms`, or early on abort: the caller's loop then reports `aborted`. */
export function sleep(timers: Timers, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      timers.clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = timers.setTimeout(done, ms);
    signal?.addEventListener('abort', done);
    if (signal?.aborted) done();
  });
}

/** What a non-success answer says: an error code, a message, and `x-ms-error-code` (or the body's `code`). */
export async function describeFailure(operation: string, response: Response): Promise<{ code: RealtimeErrorCode; message: string; serviceCode: string | null }> {
  const text = (await response.text().catch(() => '')).slice(0, 2000);
  let detail = null as { code?: unknown; message?: unknown } | null;
  try {
    detail = JSON.parse(text) as typeof detail;
  } catch {
    // not JSON: keep the text
  }
  const { status } = response;
  const serviceCode = response.headers.get('x-ms-error-code') ?? (typeof detail?.code === 'string' ? detail.code : null);
  const reason = typeof detail?.message === 'string' ? detail.message : text || response.statusText;
  return { code: STATUS_CODES[status] ?? 'service', message: `${operation} failed with status ${status}${serviceCode ? ` (${serviceCode})` : ''}${reason ? `: ${reason}` : ''}`, serviceCode };
}
