import { randomBytes } from 'node:crypto';
import type { SequencedFrames } from './sequenced-frames.js';

// The reliable subprotocol's per-connection state (docs/protocol/webpubsub.md §4 "Reliable semantics"):
// data messages get increasing sequenceIds, the client acks cumulatively, and everything unacked
// is kept for re-delivery after a recovery. Past 1000 messages or 16 MB the session is lost.

export const RELIABLE_MAX_MESSAGES = 1000;
export const RELIABLE_MAX_BYTES = 16 * 1024 * 1024;
/** The service keeps a dropped session for at least 30 s (docs/protocol/webpubsub.md §4 "Recovery"). */
export const RECOVERY_WINDOW_MS = 30_000;

interface BufferedFrame {
  sequenceId: number;
  /** The message's frames, shared by all its recipients; this one's is rebuilt for a re-send. */
  frames: SequencedFrames;
  size: number;
  /** From `messageTtlSeconds`: not re-sent after this time (ms). */
  expiresAt?: number;
}

export class ReliableSession {
  /** Opaque to clients; bound to one connection id. */
  readonly reconnectionToken = randomBytes(24).toString('base64url');
  #nextSequenceId = 1;
  #frames: BufferedFrame[] = [];
  #bytes = 0;
  #lastAcked = 0;

  /**
   * Assigns the next sequenceId to a message and buffers it; returns the sequenceId, or `undefined`
   * when the buffer limit would be exceeded: the caller must then end the session.
   */
  push(frames: SequencedFrames, expiresAt?: number): number | undefined {
    const sequenceId = this.#nextSequenceId;
    const size = frames.payloadSize(sequenceId);
    if (this.#frames.length >= RELIABLE_MAX_MESSAGES || this.#bytes + size > RELIABLE_MAX_BYTES) return undefined;
    this.#nextSequenceId++;
    this.#frames.push(expiresAt === undefined ? { sequenceId, frames, size } : { sequenceId, frames, size, expiresAt });
    this.#bytes += size;
    return sequenceId;
  }

  /** Unacked messages held for re-delivery (the dashboard shows them). */
  get bufferedMessages(): number {
    return this.#frames.length;
  }

  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** Cumulative ack: drops every buffered frame up to and including `sequenceId`. */
  ack(sequenceId: number): void {
    if (sequenceId <= this.#lastAcked) return;
    this.#lastAcked = sequenceId;
    let drop = 0;
    while (drop < this.#frames.length && this.#frames[drop]!.sequenceId <= sequenceId) {
      this.#bytes -= this.#frames[drop]!.size;
      drop++;
    }
    if (drop > 0) this.#frames.splice(0, drop);
  }

  /** Frames to re-send after a recovery, in order, skipping those whose TTL passed. */
  pending(now = Date.now()): Array<Buffer | Buffer[]> {
    return this.#frames.filter((f) => f.expiresAt === undefined || f.expiresAt > now).map((f) => f.frames.frame(f.sequenceId));
  }
}
