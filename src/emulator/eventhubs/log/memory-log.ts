import { ByteArena } from './arena.js';
import { EventChunk } from './event-chunk.js';
import { batchOf, type EventBatch, type EventPosition, type NewEvent, type StoredEvent } from './events.js';

export type { EventBatch, NewEvent, StoredEvent } from './events.js';
export { EventChunk } from './event-chunk.js';

// One partition's event log held in memory. Sequence numbers start at 0 and offsets are byte
// positions in the partition, as on a non-geo-replicated namespace (docs/protocol/eventhubs.md §6.2); both only grow,
// so lookups are binary searches. Numbers may skip where a damaged record was dropped on load.
// Events are kept per append as chunks (event-chunk.ts): a batch of 1,000 events is one object
// holding the transfer's bytes, not 1,000 objects and copies.

export interface PartitionLog {
  /** Sequence number of the oldest retained event (= next when empty). */
  readonly firstSequenceNumber: number;
  readonly nextSequenceNumber: number;
  readonly nextOffset: number;
  append(events: NewEvent[], enqueuedTime: number): StoredEvent[];
  /** Appends a batch as it arrived (no per-event copy); returns the numbered chunk. */
  appendBatch(batch: EventBatch, enqueuedTime: number): EventChunk;
  get(sequenceNumber: number): StoredEvent | undefined;
  /** The first retained event numbered `sequenceNumber` or later; numbering may have gaps. */
  atOrAfter(sequenceNumber: number): StoredEvent | undefined;
  /** Where that event is: its chunk and its index there (readers walk a chunk without lookups). */
  locate(sequenceNumber: number): { chunk: EventChunk; index: number } | undefined;
  /** Calls `done` once everything appended so far is durable under the log's fsync policy. */
  whenDurable(done: (error?: Error) => void): void;
  /** The newest retained event. */
  last(): StoredEvent | undefined;
  /** The newest event ever appended, even if retention dropped it since. */
  lastEnqueued(): EventPosition | undefined;
  /** Sequence number of the first event whose offset is > (or >=) `offset`. */
  seekOffset(offset: number, inclusive: boolean): number;
  /** Sequence number of the first event enqueued after `time` (ms), or at it when inclusive. */
  seekTime(time: number, inclusive: boolean): number;
  /** Drops events enqueued before `cutoff` (ms); returns how many. */
  expireBefore(cutoff: number): number;
  close(): void;
}

/**
 * Our bound on the message bytes one partition keeps in memory (limits.maxLogBytesPerPartition).
 * The service bounds a partition by its retention time and the namespace's storage quota; without
 * a size bound an authorized producer could grow the emulator's memory without end.
 */
export const DEFAULT_MAX_LOG_BYTES_PER_PARTITION = 256 * 1024 * 1024;

export class MemoryPartitionLog implements PartitionLog {
  protected chunks: EventChunk[] = [];
  private readonly arena: ByteArena;
  protected next: number;
  protected nextByte: number;
  protected newest: EventPosition | undefined;
  /** Message bytes of the retained chunks. */
  private bytes = 0;

  constructor(
    start: { nextSequenceNumber: number; nextOffset: number } = { nextSequenceNumber: 0, nextOffset: 0 },
    private readonly maxBytes = DEFAULT_MAX_LOG_BYTES_PER_PARTITION,
  ) {
    this.next = start.nextSequenceNumber;
    this.nextByte = start.nextOffset;
    // Kept bytes plus as many let go and not yet collected (arena.ts).
    this.arena = new ByteArena(2 * maxBytes);
  }

  /** Message bytes the log holds now (at most maxBytes, or one chunk when a single append is larger). */
  get retainedBytes(): number {
    return this.bytes;
  }

  get firstSequenceNumber(): number {
    return this.chunks[0]?.firstSequenceNumber ?? this.next;
  }

  get nextSequenceNumber(): number {
    return this.next;
  }

  get nextOffset(): number {
    return this.nextByte;
  }

  append(events: NewEvent[], enqueuedTime: number): StoredEvent[] {
    if (events.length === 0) return [];
    const chunk = this.appendBatch(batchOf(events), enqueuedTime);
    return Array.from({ length: chunk.count }, (_, index) => chunk.event(index));
  }

  appendBatch(batch: EventBatch, enqueuedTime: number): EventChunk {
    if (batch.count === 0) return new EventChunk(this.next, this.nextByte, enqueuedTime, batch);
    // Numbers are taken only once the chunk is stored: a failed write leaves no gap and no record.
    const chunk = this.store(batch, enqueuedTime);
    this.next = chunk.lastSequenceNumber + 1;
    this.nextByte = chunk.firstOffset + chunk.byteLength;
    this.keep(chunk);
    this.rememberLastOf(chunk);
    return chunk;
  }

  /**
   * Adds a chunk and drops the oldest ones past maxBytes, as time retention drops them (the begin
   * sequence number moves up). The newest chunk stays so what was just accepted can be read.
   */
  private keep(chunk: EventChunk): void {
    this.chunks.push(chunk);
    this.bytes += chunk.byteLength;
    let over = 0;
    let freed = 0;
    while (this.bytes - freed > this.maxBytes && over < this.chunks.length - 1) freed += this.chunks[over++]!.byteLength;
    if (over > 0) this.dropOldest(over);
  }

  private dropOldest(chunks: number): number {
    let events = 0;
    for (const chunk of this.chunks.splice(0, chunks)) {
      events += chunk.count;
      this.bytes -= chunk.byteLength;
    }
    return events;
  }

  /** Calls `done` once what was appended so far is as durable as the log promises (at once in memory). */
  whenDurable(done: (error?: Error) => void): void {
    done();
  }

  /** Loaded-from-disk events; already persisted. */
  protected restore(chunk: EventChunk): void {
    this.keep(chunk);
    this.reserve(chunk.lastSequenceNumber + 1, chunk.firstOffset + chunk.byteLength);
    this.rememberLastOf(chunk);
  }

  /** Numbering continues at or past these, never below: sequence numbers are never reused. */
  protected reserve(nextSequenceNumber: number, nextOffset: number): void {
    this.next = Math.max(this.next, nextSequenceNumber);
    this.nextByte = Math.max(this.nextByte, nextOffset);
  }

  protected remember(position: EventPosition): void {
    this.newest = position;
  }

  private rememberLastOf(chunk: EventChunk): void {
    const last = chunk.count - 1;
    if (last >= 0) this.newest = { sequenceNumber: chunk.lastSequenceNumber, offset: chunk.offset(last), enqueuedTime: chunk.enqueuedTime };
  }

  lastEnqueued(): EventPosition | undefined {
    return this.newest;
  }

  /** The batch numbered from `next`, kept: here a copy in the arena (the transfer's own buffer is left to die young, arena.ts); file-log.ts writes it to a segment file instead. */
  protected store(batch: EventBatch, enqueuedTime: number): EventChunk {
    return new EventChunk(this.next, this.nextByte, enqueuedTime, batch, this.arena.copy(batch.bytes));
  }

  get(sequenceNumber: number): StoredEvent | undefined {
    const found = this.locate(sequenceNumber);
    if (!found || found.chunk.firstSequenceNumber + found.index !== sequenceNumber) return undefined;
    return found.chunk.event(found.index);
  }

  /** The first retained event numbered `sequenceNumber` or later (readers step over gaps with it). */
  atOrAfter(sequenceNumber: number): StoredEvent | undefined {
    const found = this.locate(sequenceNumber);
    return found?.chunk.event(found.index);
  }

  locate(sequenceNumber: number): { chunk: EventChunk; index: number } | undefined {
    // The first chunk whose last number is at or past the one asked for.
    let low = 0;
    let high = this.chunks.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.chunks[mid]!.lastSequenceNumber >= sequenceNumber) high = mid;
      else low = mid + 1;
    }
    const chunk = this.chunks[low];
    if (!chunk) return undefined;
    return { chunk, index: Math.max(0, sequenceNumber - chunk.firstSequenceNumber) };
  }

  last(): StoredEvent | undefined {
    const chunk = this.chunks.at(-1);
    return chunk?.event(chunk.count - 1);
  }

  /** The first chunk that `matches`, or chunks.length; matches must be monotonic. */
  private firstChunkWhere(matches: (chunk: EventChunk) => boolean): number {
    let low = 0;
    let high = this.chunks.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (matches(this.chunks[mid]!)) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  seekOffset(offset: number, inclusive: boolean): number {
    const passes = (at: number) => (inclusive ? at >= offset : at > offset);
    const index = this.firstChunkWhere((chunk) => passes(chunk.offset(chunk.count - 1)));
    const chunk = this.chunks[index];
    return chunk ? chunk.firstSequenceNumber + chunk.firstIndexWhere(passes) : this.next;
  }

  seekTime(time: number, inclusive: boolean): number {
    const index = this.firstChunkWhere((chunk) => (inclusive ? chunk.enqueuedTime >= time : chunk.enqueuedTime > time));
    return this.chunks[index]?.firstSequenceNumber ?? this.next;
  }

  expireBefore(cutoff: number): number {
    // A chunk's events share one enqueued time, so retention drops whole chunks (and their bytes).
    let chunks = 0;
    while (chunks < this.chunks.length && this.chunks[chunks]!.enqueuedTime < cutoff) chunks++;
    return chunks > 0 ? this.dropOldest(chunks) : 0;
  }

  close(): void {
    // nothing to release
  }
}
