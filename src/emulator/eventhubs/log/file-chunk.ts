import { closeSync, openSync, readSync } from 'node:fs';
import { EventChunk } from './event-chunk.js';
import type { EventBatch } from './events.js';

// With --data-dir the log keeps no event bytes of its own: a chunk knows where its append's payload
// is in a segment file and reads them back when someone asks for its bytes (a reader delivering it, a
// Kafka fetch). Recent records are in the OS's page cache, so a read is a memory copy; what was
// read stays in a per-partition cache bounded by bytes (ReadCache), oldest-read dropped first.

/** Read bytes a partition keeps for its readers (limits.maxLogBytesPerPartition bounds the chunks it indexes). */
export const DEFAULT_READ_CACHE_BYTES = 16 * 1024 * 1024;

const EMPTY = new Uint8Array(0);

/** One segment file, opened for reading on the first read and closed once nothing refers to it. */
export class SegmentFile {
  private fd: number | undefined;

  constructor(readonly path: string) {}

  read(position: number, length: number): Buffer {
    this.fd ??= this.open();
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const got = readSync(this.fd, out, done, length - done, position + done);
      if (got === 0) throw new Error(`${this.path}: ended at byte ${position + done}, before the records the log indexed`);
      done += got;
    }
    return out;
  }

  private open(): number {
    const fd = openSync(this.path, 'r');
    // A segment removed by retention stays readable for a reader still inside one of its chunks;
    // the descriptor goes when the last chunk referring to this file does.
    closeWhenCollected.register(this, fd, this);
    return fd;
  }

  /** The log closed: release the descriptor now (a later read opens the file again). */
  close(): void {
    if (this.fd === undefined) return;
    closeWhenCollected.unregister(this);
    closeSync(this.fd);
    this.fd = undefined;
  }
}

const closeWhenCollected = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
});

/** The read-back bytes of one partition's chunks, at most `limit` bytes (one chunk larger than it is kept alone). */
export class ReadCache {
  private readonly chunks = new Map<FileChunk, number>();
  private bytes = 0;

  constructor(private readonly limit = DEFAULT_READ_CACHE_BYTES) {}

  admit(chunk: FileChunk, bytes: number): void {
    this.chunks.set(chunk, bytes);
    this.bytes += bytes;
    for (const [oldest, size] of this.chunks) {
      if (this.bytes <= this.limit || oldest === chunk) break;
      this.chunks.delete(oldest);
      this.bytes -= size;
      oldest.unload();
    }
  }
}

export interface RecordsPlace {
  segment: SegmentFile;
  /** Where the chunk's payload (its record's bytes after the header) starts in the segment, and its length. */
  position: number;
  length: number;
}

/** A chunk whose messages live in a segment file. `batch.index` gives each message's start within the payload. */
export class FileChunk extends EventChunk {
  private loaded: Buffer | undefined;

  constructor(
    firstSequenceNumber: number,
    firstOffset: number,
    enqueuedTime: number,
    batch: EventBatch,
    private readonly place: RecordsPlace,
    private readonly cache: ReadCache,
  ) {
    super(firstSequenceNumber, firstOffset, enqueuedTime, batch, { block: EMPTY, at: 0 });
  }

  override get bytes(): Buffer {
    return this.loaded ?? this.load();
  }

  override get buffer(): Buffer {
    return this.loaded ?? this.load();
  }

  private load(): Buffer {
    const { segment, position, length } = this.place;
    const loaded = segment.read(position, length);
    this.loaded = loaded;
    this.cache.admit(this, length);
    return loaded;
  }

  /** Evicted from the read cache: the next reader reads the file again. */
  unload(): void {
    this.loaded = undefined;
    this.forget();
  }
}
