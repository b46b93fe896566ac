import type { NewEvent, PartitionLog, StoredEvent } from './log/memory-log.js';

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
    for (const wake of [...this.readers]) wake();
    return stored;
  }

  onAppend(wake: () => void): () => void {
    this.readers.add(wake);
    return () => this.readers.delete(wake);
  }

  enforceRetention(now = Date.now()): number {
    return this.log.expireBefore(now - this.retentionMs);
  }

  /**
   * Runtime information as `$management` READ and receiver runtime metrics report it. For an
   * empty partition the "last" fields are -1 / "-1" / epoch, as Microsoft's mock answers (note §4, [U]).
   */
  properties(): PartitionProperties {
    const last = this.log.last();
    return {
      hub: this.hub,
      partitionId: this.id,
      beginSequenceNumber: last ? this.log.firstSequenceNumber : -1,
      lastEnqueuedSequenceNumber: last ? last.sequenceNumber : -1,
      lastEnqueuedOffset: last ? String(last.offset) : '-1',
      lastEnqueuedTime: new Date(last ? last.enqueuedTime : 0),
      isEmpty: last === undefined,
    };
  }
}
