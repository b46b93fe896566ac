// Reconnect delays in the shape the official Relay clients use: 0, 1, 2, 5, 10, 30 s, then 30 s
// (docs/protocol/relay.md §3.2), with jitter so a fleet of listeners does not reconnect in step.
export interface BackoffOptions {
  /** Delays in ms per attempt; the last one repeats. */
  steps?: readonly number[];
  /** 0..1: each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter?: number;
  random?: () => number;
}

export const RELAY_BACKOFF_STEPS: readonly number[] = [0, 1000, 2000, 5000, 10000, 30000];

export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`expected attempt >= 0, got ${attempt}`);
  const steps = options.steps ?? RELAY_BACKOFF_STEPS;
  const jitter = options.jitter ?? 0.2;
  const base = steps[Math.min(attempt, steps.length - 1)] ?? 0;
  const random = options.random ?? Math.random;
  return Math.max(0, Math.round(base * (1 - jitter + 2 * jitter * random())));
}

/**
 * Capped exponential as @azure/core-rest-pipeline retries: min(initial * 2^attempt, max), scaled by
 * a random factor in [1 - jitter, 1] (jitter 0.5 by default: the upper half of the delay).
 */
export function exponentialDelay(attempt: number, initialMs: number, maxMs: number, options: { jitter?: number; random?: () => number } = {}): number {
  const base = Math.min(initialMs * 2 ** attempt, maxMs);
  return base * (1 - (options.jitter ?? 0.5) * (options.random ?? Math.random)());
}
