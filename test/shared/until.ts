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
