import type { ConnectionLimits } from './connection-types.js';

// Frames a client sent that are not handled yet (most wait on the event handler), run one after
// another per connection. Bounded in frames and bytes, or a slow upstream would let one client
// queue without end; and yielding every few frames, or a burst from one socket would run to its end
// before any other socket is read (their sequenceAcks included) — the service handles connections
// concurrently.

const FRAMES_PER_TURN = 16;

/**
 * Handles one frame; resolves to work still running for it (an invoke), which stays counted until
 * it ends but does not hold up the frames behind it (wrapped, so that awaiting does not flatten it).
 */
export type FrameJob = () => Promise<{ running: Promise<unknown> } | undefined>;

export class InboundQueue {
  #tail: Promise<void> = Promise.resolve();
  #framesThisTurn = 0;
  #pendingFrames = 0;
  #pendingBytes = 0;

  readonly #limits: Pick<ConnectionLimits, 'maxUpstreamQueueFrames' | 'maxUpstreamQueueBytes'>;

  constructor(limits: Pick<ConnectionLimits, 'maxUpstreamQueueFrames' | 'maxUpstreamQueueBytes'>) {
    this.#limits = limits;
  }

  /** False, and nothing queued, when the frame would pass the bounds. */
  push(size: number, job: FrameJob, failed: (error: unknown) => void): boolean {
    const limits = this.#limits;
    if (this.#pendingFrames + 1 > limits.maxUpstreamQueueFrames || this.#pendingBytes + size > limits.maxUpstreamQueueBytes) return false;
    this.#pendingFrames++;
    this.#pendingBytes += size;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#pendingFrames--;
      this.#pendingBytes -= size;
    };
    let detached: Promise<unknown> | undefined;
    this.#tail = this.#tail
      .then(async () => {
        if (++this.#framesThisTurn >= FRAMES_PER_TURN) {
          this.#framesThisTurn = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
        detached = (await job())?.running;
      })
      .catch(failed)
      .finally(() => (detached ? void detached.finally(release) : release()));
    return true;
  }
}
