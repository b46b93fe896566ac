import type { EventBatch, StoredEvent } from './events.js';

// One append's events in the partition log, numbered. Events of a chunk have consecutive sequence
// numbers, adjacent offsets and one enqueued time, so a chunk is one object pointing into shared
// blocks of bytes and positions (arena.ts), not an object per event; an event object is made
// only when someone asks for one (and then kept, so readers that cache by event see the same one).

export class EventChunk {
  readonly count: number;
  private readonly block: Uint8Array;
  /** Where this chunk's bytes start in `bytes`. */
  private readonly base: number;
  private readonly index: Uint32Array;
  private readonly indexAt: number;
  private readonly keys: EventBatch['keys'];
  private materialized: Array<StoredEvent | undefined> | undefined;
  private view: Buffer | undefined;

  constructor(
    readonly firstSequenceNumber: number,
    readonly firstOffset: number,
    readonly enqueuedTime: number,
    batch: EventBatch,
    /** Where the batch's bytes are now, when not where `batch.bytes` says. */
    placed?: { block: Uint8Array; at: number },
  ) {
    this.count = batch.count;
    this.block = placed?.block ?? batch.bytes;
    this.base = placed?.at ?? 0;
    this.index = batch.index;
    this.indexAt = batch.indexAt;
    this.keys = batch.keys;
  }

  /** The block holding the messages (event i at messageStart(i)); file-chunk.ts reads it back from disk. */
  get bytes(): Uint8Array {
    return this.block;
  }

  /** Drops what was made from the bytes (event objects, the Buffer view), for a subclass whose bytes come and go. */
  protected forget(): void {
    this.materialized = undefined;
    this.view = undefined;
  }

  get lastSequenceNumber(): number {
    return this.firstSequenceNumber + this.count - 1;
  }

  /** Sum of the message lengths: how far the partition's offset moves past this chunk. */
  get byteLength(): number {
    return this.index[this.indexAt + 2 * this.count]!;
  }

  /** The block holding the messages, as a Buffer (for copying out of), made once. */
  get buffer(): Buffer {
    this.view ??= Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.view;
  }

  private total(index: number): number {
    return this.index[this.indexAt + this.count + index]!;
  }

  offset(index: number): number {
    return this.firstOffset + this.total(index);
  }

  /** Where event `index` starts in `buffer`. */
  messageStart(index: number): number {
    return this.base + this.index[this.indexAt + index]!;
  }

  messageLength(index: number): number {
    return this.total(index + 1) - this.total(index);
  }

  message(index: number): Uint8Array {
    const bytes = this.bytes;
    return new Uint8Array(bytes.buffer, bytes.byteOffset + this.messageStart(index), this.messageLength(index));
  }

  partitionKey(index: number): string | undefined {
    const keys = this.keys;
    return typeof keys === 'object' ? keys[index] : keys;
  }

  /** The index of the first event whose offset passes `test` (offsets grow), or `count`. */
  firstIndexWhere(test: (offset: number) => boolean): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (test(this.offset(mid))) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  event(index: number): StoredEvent {
    this.materialized ??= new Array<StoredEvent | undefined>(this.count);
    let event = this.materialized[index];
    if (!event) {
      const partitionKey = this.partitionKey(index);
      event = {
        sequenceNumber: this.firstSequenceNumber + index,
        offset: this.offset(index),
        enqueuedTime: this.enqueuedTime,
        message: this.message(index),
        ...(partitionKey !== undefined ? { partitionKey } : {}),
      };
      this.materialized[index] = event;
    }
    return event;
  }
}
