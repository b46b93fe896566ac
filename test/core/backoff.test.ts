import { describe, expect, it } from 'vitest';
import { RELAY_BACKOFF_STEPS, backoffDelay, exponentialDelay } from '../../src/core/index.js';

describe('backoff', () => {
  it('follows the relay clients 0-1-2-5-10-30 s steps, then stays at 30 s', () => {
    const exact = (attempt: number) => backoffDelay(attempt, { jitter: 0 });
    expect([0, 1, 2, 3, 4, 5, 6, 20].map(exact)).toEqual([...RELAY_BACKOFF_STEPS, 30000, 30000]);
  });

  it('jitters symmetrically within the given fraction', () => {
    expect(backoffDelay(3, { jitter: 0.2, random: () => 0 })).toBe(4000);
    expect(backoffDelay(3, { jitter: 0.2, random: () => 1 })).toBe(6000);
    expect(() => backoffDelay(-1)).toThrow(RangeError);
  });

  it('grows exponentially to a cap, scaled into the upper half as core-rest-pipeline does', () => {
    expect(exponentialDelay(0, 1000, 64000, { random: () => 0 })).toBe(1000);
    expect(exponentialDelay(3, 1000, 64000, { random: () => 1 })).toBe(4000);
    expect(exponentialDelay(10, 1000, 64000, { random: () => 0 })).toBe(64000);
  });
});
