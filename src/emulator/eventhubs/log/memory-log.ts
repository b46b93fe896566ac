// One partition's event log held in memory. Sequence numbers start at 0 and offsets are byte
// positions in the partition, as on a non-geo-replicated namespace (docs/protocol/eventhubs.md §6.2); both only grow,
// so lookups are binary searches. Numbers may skip where a damaged record was dropped on load.

export interface StoredEvent {
  sequenceNumber: number;
  /** Byte position of the event in the partition; sent as a decimal string `x-opt-offset`. */
  offset: number;
  /** ms since the epoch. */
  enqueuedTime: number;
  partitionKey?: string;
  /** The producer's encoded AMQP message, byte for byte. */
  message: Uint8Array;
}

export interface NewEvent {
  partitionKey?: string;
  message: Uint8Array;
}

export interface PartitionLog {
  /** Sequence number of the oldest retained event (= next when empty). */
  readonly firstSequenceNumber: number;
  readonly nextSequenceNumber: number;
  readonly nextOffset: number;
  append(events: NewEvent[], enqueuedTime: number): StoredEvent[];
  get(sequenceNumber: number): StoredEvent | undefined;
  /** The first retained event numbered `sequenceNumber` or later; numbering may have gaps. */
  atOrAfter(sequenceNumber: number): StoredEvent | undefined;
  /** Calls `done` once everything appended so far is durable under the log's fsync policy. */
  whenDurable(done: (error?: Error) => void): void;
  /** The newest retained event. */
  last(): StoredEvent | undefined;
  /** The newest event ever appended, even if retention dropped it since. */
  lastEnqueued(): Omit<StoredEvent, 'message' | 'partitionKey'> | undefined;
  /** Sequence number of the first event whose offset is > (or >=) `offset`. */
  seekOffset(offset: number, inclusive: boolean): number;
  /** Sequence number of the first event enqueued after `time` (ms), or at it when inclusive. */
  seekTime(time: number, inclusive: boolean): number;
  /** Drops events enqueued before `cutoff` (ms); returns how many. */
  expireBefore(cutoff: number): number;
  close(): void;
}

export class MemoryPartitionLog implements PartitionLog {
  protected events: StoredEvent[] = [];
  protected head = 0;
  protected next: number;
  protected nextByte: number;
  protected newest: Omit<StoredEvent, 'message' | 'partitionKey'> | undefined;

  constructor(start: { nextSequenceNumber: number; nextOffset: number } = { nextSequenceNumber: 0, nextOffset: 0 }) {
    this.next = start.nextSequenceNumber;
    this.nextByte = start.nextOffset;
  }

  get firstSequenceNumber(): number {
    return this.head < this.events.length ? this.events[this.head]!.sequenceNumber : this.next;
  }

  get nextSequenceNumber(): number {
    return this.next;
  }

  get nextOffset(): number {
    return this.nextByte;
  }

  append(events: NewEvent[], enqueuedTime: number): StoredEvent[] {
    let sequenceNumber = this.next;
    let offset = this.nextByte;
    const stored = events.map((event): StoredEvent => {
      const record: StoredEvent = {
        sequenceNumber: sequenceNumber++,
        offset,
        enqueuedTime,
        message: event.message,
        ...(event.partitionKey !== undefined ? { partitionKey: event.partitionKey } : {}),
      };
      offset += event.message.byteLength;
      return record;
    });
    // Numbers are taken only once the write succeeded: a failed write leaves no gap and no record.
    this.persist(stored);
    this.next = sequenceNumber;
    this.nextByte = offset;
    for (const record of stored) this.events.push(record);
    this.remember(stored.at(-1));
    return stored;
  }

  /** Calls `done` once what was appended so far is as durable as the log promises (at once in memory). */
  whenDurable(done: (error?: Error) => void): void {
    done();
  }

  /** Loaded-from-disk events; already persisted. */
  protected restore(record: StoredEvent): void {
    this.events.push(record);
    this.reserve(record.sequenceNumber + 1, record.offset + record.message.byteLength);
    this.remember(record);
  }

  /** Numbering continues at or past these, never below: sequence numbers are never reused. */
  protected reserve(nextSequenceNumber: number, nextOffset: number): void {
    this.next = Math.max(this.next, nextSequenceNumber);
    this.nextByte = Math.max(this.nextByte, nextOffset);
  }

  protected remember(record: StoredEvent | undefined): void {
    if (record) this.newest = { sequenceNumber: record.sequenceNumber, offset: record.offset, enqueuedTime: record.enqueuedTime };
  }

  lastEnqueued(): Omit<StoredEvent, 'message' | 'partitionKey'> | undefined {
    return this.newest;
  }

  protected persist(_records: StoredEvent[]): void {
    // memory only
  }

  get(sequenceNumber: number): StoredEvent | undefined {
    const first = this.firstSequenceNumber;
    if (sequenceNumber < first || sequenceNumber >= this.next) return undefined;
    const direct = this.events[this.head + (sequenceNumber - first)];
    if (direct?.sequenceNumber === sequenceNumber) return direct;
    // Numbering has gaps where a damaged record was dropped on load (file-log.ts): search.
    const found = this.atOrAfter(sequenceNumber);
    return found?.sequenceNumber === sequenceNumber ? found : undefined;
  }

  /** The first retained event numbered `sequenceNumber` or later (readers step over gaps with it). */
  atOrAfter(sequenceNumber: number): StoredEvent | undefined {
    const index = this.lowerIndex((event) => event.sequenceNumber >= sequenceNumber);
    return this.events[index];
  }

  last(): StoredEvent | undefined {
    return this.head < this.events.length ? this.events[this.events.length - 1] : undefined;
  }

  private lowerIndex(matches: (event: StoredEvent) => boolean): number {
    let low = this.head;
    let high = this.events.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (matches(this.events[mid]!)) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  private lowerBound(matches: (event: StoredEvent) => boolean): number {
    const low = this.lowerIndex(matches);
    return low < this.events.length ? this.events[low]!.sequenceNumber : this.next;
  }

  seekOffset(offset: number, inclusive: boolean): number {
    return this.lowerBound((event) => (inclusive ? event.offset >= offset : event.offset > offset));
  }

  seekTime(time: number, inclusive: boolean): number {
    return this.lowerBound((event) => (inclusive ? event.enqueuedTime >= time : event.enqueuedTime > time));
  }

  expireBefore(cutoff: number): number {
    const start = this.head;
    while (this.head < this.events.length && this.events[this.head]!.enqueuedTime < cutoff) this.head++;
    const dropped = this.head - start;
    // Compact once the dead prefix dominates, so memory follows retention.
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
    return dropped;
  }

  close(): void {
    // nothing to release
  }
}
