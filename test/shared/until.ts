import { vi } from 'vitest';

/** Polls `check` every 10 ms until it holds (vi.waitFor); fails naming `what` after `timeoutMs`. */
export function until(check: () => boolean, what = 'condition', timeoutMs = 8000): Promise<void> {
  return vi.waitFor(
    () => {
      if (!check()) throw new Error(`not reached in ${timeoutMs} ms: ${what}`);
    },
    { timeout: timeoutMs, interval: 10 },
  );
}

/**
 * vi.waitFor options for a condition that needs real I/O (a socket close seen, an fsync done):
 * vi.waitFor's own 1 s default is shorter than the stall of a loaded 2-core machine.
 */
export const LOADED_MACHINE = { timeout: 10_000, interval: 20 } as const;
