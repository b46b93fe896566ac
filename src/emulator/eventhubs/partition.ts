import type { EventBatch, EventChunk, NewEvent, PartitionLog, StoredEvent } from './log/memory-log.js';

// A partition = its log + the readers waiting for new events. Readers register a wake-up
// callback and pull from the log themselves, so a slow reader never holds anyone else up.

export interface PartitionProperties {
  hub: string;
  partitionId: string;
  beginSequenceNumber: number;
  lastEnqueuedSequenceNumber: number;
  lastEnqueuedOffset: string;
  lastEnqueuedTime: Date;
  isEmpty: boolean;
}

export class Partition {
  private readonly readers = new Set<() => void>();

  constructor(
    readonly hub: string,
    readonly id: string,
    readonly log: PartitionLog,
    private readonly retentionMs: number,
  ) {}

  append(events: NewEvent[], now = Date.now()): StoredEvent[] {
    const stored = this.log.append(events, now);
    this.wake();
    return stored;
  }

  /** Appends a producer's transfer as it arrived (batch.ts). */
  appendBatch(batch: EventBatch, now = Date.now()): EventChunk {
    const chunk = this.log.appendBatch(batch, now);
    this.wake();
    return chunk;
  }

  private wake(): void {
    for (const wake of [...this.readers]) wake();
  }

  onAppend(wake: () => void): () => void {
    this.readers.add(wake);
    return () => this.readers.delete(wake);
  }

  enforceRetention(now = Date.now()): number {
    return this.log.expireBefore(now - this.retentionMs);
  }

  /**
   * Runtime information as `$management` READ and receiver runtime metrics report it. A partition
   * that never had an event answers -1 / "-1" / epoch, as Microsoft's mock does (docs/protocol/eventhubs.md §4, [U]);
   * once retention emptied it, "last" still names the newest event and "begin" the next one.
   */
  properties(): PartitionProperties {
    const newest = this.log.lastEnqueued();
    return {
      hub: this.hub,
      partitionId: this.id,
      beginSequenceNumber: newest ? this.log.firstSequenceNumber : -1,
      lastEnqueuedSequenceNumber: newest ? newest.sequenceNumber : -1,
      lastEnqueuedOffset: newest ? String(newest.offset) : '-1',
      lastEnqueuedTime: new Date(newest ? newest.enqueuedTime : 0),
      isEmpty: this.log.last() === undefined,
    };
  }
}
