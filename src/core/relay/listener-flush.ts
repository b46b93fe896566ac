import type { Timers } from '../runtime-types.js';

// The .NET flush rule (docs/protocol/relay.md §1.5): a response whose body is not complete within the
// flush time goes over rendezvous. Every response waits the same time, so deadlines come in order:
// one queue and one timer per listener serve them all, instead of a timer and a Promise.race per
// request (bench/profiles/relay-client.md).

interface Watch {
  deadline: number;
  onSlow: (() => void) | undefined;
}

export interface FlushWatch {
  /** Call `onSlow` if `done()` has not been called within the flush time. */
  watch(onSlow: () => void): () => void;
  /** Drops every pending watch and the timer (listener closed). */
  clear(): void;
}

export function createFlushWatch(flushMs: number, timers: Timers, now: () => number): FlushWatch {
  const queue: Watch[] = [];
  let timer: unknown;
  let armed = false;

  const arm = (delay: number) => {
    armed = true;
    timer = timers.setTimeout(fire, Math.max(0, delay));
  };
  // Completed watches at the head go at once, so the queue holds only responses still in flight.
  const trim = () => {
    while (queue.length > 0 && queue[0]!.onSlow === undefined) queue.shift();
  };
  function fire(): void {
    armed = false;
    const at = now();
    while (queue.length > 0 && queue[0]!.deadline <= at) {
      const { onSlow } = queue.shift()!;
      onSlow?.();
    }
    trim();
    // An idle listener keeps no timer; the next watch arms one.
    if (queue.length > 0) arm(queue[0]!.deadline - at);
  }

  return {
    watch(onSlow) {
      const entry: Watch = { deadline: now() + flushMs, onSlow };
      queue.push(entry);
      if (!armed) arm(flushMs);
      return () => {
        entry.onSlow = undefined;
        trim();
      };
    },
    clear() {
      queue.length = 0;
      if (armed) timers.clearTimeout(timer);
      armed = false;
    },
  };
}
