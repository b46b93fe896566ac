import type { Receiver } from 'rhea';
import { BufferPool } from './buffer-pool.js';

// A producer's batch spans several transfer frames (1,000 events of 100 B are ~115 KB; frames are
// at most 64 KB). rhea keeps each frame's payload and, when the last one arrives, concatenates
// them into a new buffer of the delivery's size: ~115 KB of memory outside V8's heap that dies at
// once, on every batch, and such memory is what makes V8 collect (bench/profiles/eh-ingest.md).
// Here the fragments of a producer link's delivery are copied as they arrive into a landing
// buffer that is reused from delivery to delivery; rhea then hands the producer link one view of
// it, and the link copies the events into the log before it returns (sender-link.ts).

interface IncompleteDelivery {
  frames?: Buffer[];
  format?: number;
}

/** Landing buffers kept for reuse, so memory held here stays bounded. */
const pool = new BufferPool(4);
const FIRST_SIZE = 128 * 1024;
/** The buffers handed out and not yet given back. */
const lent = new WeakSet<ArrayBufferLike>();

function take(size: number): Buffer {
  const buffer = pool.take(Math.max(size, FIRST_SIZE));
  lent.add(buffer.buffer);
  return buffer;
}

function giveBack(buffer: Buffer): void {
  lent.delete(buffer.buffer);
  pool.give(buffer);
}

/**
 * Once the producer link has consumed `payload` (copied what it keeps), its landing buffer, if it
 * is one, may take the next delivery. Nothing may read `payload` after this.
 */
export function releaseLanded(payload: Uint8Array): void {
  if (!lent.has(payload.buffer)) return;
  giveBack(Buffer.from(payload.buffer, 0, payload.buffer.byteLength));
}

/** Replaces a delivery's fragment list by one that lands every fragment in a reused buffer. */
function land(delivery: IncompleteDelivery): void {
  const first = delivery.frames![0];
  if (!first || delivery.frames!.length !== 1) return;
  let buffer = take(2 * first.length);
  let used = first.copy(buffer, 0);
  // rhea's check at the last frame: `frames.length === 1 ? frames[0] : Buffer.concat(frames)`.
  const frames = [buffer.subarray(0, used)];
  frames.push = (payload: Buffer): number => {
    if (used + payload.length > buffer.length) {
      const larger = take(Math.max(2 * buffer.length, used + payload.length));
      buffer.copy(larger, 0, 0, used);
      giveBack(buffer);
      buffer = larger;
    }
    used += payload.copy(buffer, used);
    frames[0] = buffer.subarray(0, used);
    return 1;
  };
  delivery.frames = frames;
}

/** Makes rhea land this producer link's multi-frame deliveries in reused buffers (see above). */
export function landDeliveries(link: Receiver): void {
  const receiver = link as unknown as { _incomplete?: IncompleteDelivery };
  let incomplete = receiver._incomplete;
  Object.defineProperty(receiver, '_incomplete', {
    configurable: true,
    enumerable: true,
    get: () => incomplete,
    set: (delivery: IncompleteDelivery | undefined) => {
      // rhea sets the same delivery again on every frame with more=true.
      // Only raw (non-zero format) deliveries: rhea decodes a format-0 message into objects that
      // may keep views of its bytes.
      if (delivery && delivery !== incomplete && delivery.format && Array.isArray(delivery.frames)) land(delivery);
      incomplete = delivery;
    },
  });
}
