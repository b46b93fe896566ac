import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { EventChunk } from './event-chunk.js';
import { batchIndex, keysOf, type EventBatch, type StoredEvent } from './events.js';
import { FileChunk, ReadCache, SegmentFile } from './file-chunk.js';
import { MemoryPartitionLog } from './memory-log.js';
import { checkFsyncPolicy, DEFAULT_FSYNC_POLICY, GroupCommit, type DurableCallback, type FsyncPolicy } from './group-commit.js';
import { encodeChunkRecords, scanSegment, type DamagedRange } from './segment-codec.js';

export { decodeRecords, encodeRecord } from './segment-codec.js';

// Append-only segment files per partition (`--data-dir`), so a restart serves the same events
// with the same sequence numbers and offsets. Memory holds only where each append's records are
// (file-chunk.ts): readers get the bytes back from the segment file, the page cache keeping
// recent ones hot. On load (segment-codec.ts): a damaged record in the middle is
// dropped alone and logged with its sequence range; only a torn tail is cut; numbering resumes
// past the highest number ever written (the segment name included), so none is handed out twice.

const SEGMENT_BYTES = 16 * 1024 * 1024;
/** The largest record scratch kept between appends. */
const SCRATCH_LIMIT = 2 * 1024 * 1024;
let scratch = Buffer.alloc(0);

/** writeSync copies the records into the page cache at once, so one buffer serves every append of every partition. */
function scratchOf(bytes: number): Buffer {
  if (bytes > SCRATCH_LIMIT) return Buffer.allocUnsafe(bytes);
  if (scratch.length < bytes) scratch = Buffer.allocUnsafeSlow(Math.max(bytes, 64 * 1024));
  return scratch;
}

export interface FileLogOptions {
  fsync?: FsyncPolicy;
  /** Receives the damaged ranges found on load. */
  log?: (line: string) => void;
  segmentBytes?: number;
  /** Message bytes the log indexes (memory-log.ts); older events stay in their segment files until time retention removes them. */
  maxBytes?: number;
  /** Read-back bytes kept per partition (file-chunk.ts). */
  readCacheBytes?: number;
}

interface Segment {
  path: string;
  file: SegmentFile;
  lastEnqueuedTime: number;
  bytes: number;
}

function segmentName(firstSequenceNumber: number): string {
  return `${String(firstSequenceNumber).padStart(20, '0')}.log`;
}

function describeDamage(path: string, range: DamagedRange): string {
  const from = range.afterSequenceNumber === undefined ? 'the segment start' : `after #${range.afterSequenceNumber}`;
  const to = range.nextSequenceNumber === undefined ? 'the end' : `before #${range.nextSequenceNumber}`;
  return `eventhubs: ${path}: dropped ${range.end - range.start} damaged bytes (checksum failed) at byte ${range.start}, ${from} up to ${to}`;
}

export class FilePartitionLog extends MemoryPartitionLog {
  private readonly segments: Segment[] = [];
  private fd: number | undefined;
  private readonly commit: GroupCommit;
  private readonly policy: FsyncPolicy;
  private readonly segmentBytes: number;
  private readonly cache: ReadCache;

  constructor(private readonly directory: string, retentionCutoff: number, options: FileLogOptions = {}) {
    super(undefined, options.maxBytes);
    this.policy = checkFsyncPolicy(options.fsync ?? DEFAULT_FSYNC_POLICY);
    this.segmentBytes = options.segmentBytes ?? SEGMENT_BYTES;
    this.cache = new ReadCache(options.readCacheBytes);
    this.commit = new GroupCommit(this.policy, () => this.fd);
    mkdirSync(directory, { recursive: true });
    const names = readdirSync(directory).filter((name) => /^\d{20}\.log$/.test(name)).sort();
    for (const name of names) {
      const path = join(directory, name);
      // A segment's name is the first number it was opened for: a reserved floor even if its records are gone.
      this.reserve(Number(name.slice(0, 20)), this.nextOffset);
      const data = readFileSync(path);
      const scan = scanSegment(data, this.nextSequenceNumber - 1);
      for (const range of scan.damaged) options.log?.(describeDamage(path, range));
      if (scan.damagedTail) options.log?.(describeDamage(path, scan.damagedTail));
      if (scan.validBytes < data.length) {
        options.log?.(`eventhubs: ${path}: cut a torn tail of ${data.length - scan.validBytes} bytes (an incomplete final record)`);
        const fd = openSync(path, 'r+');
        ftruncateSync(fd, scan.validBytes);
        closeSync(fd);
      }
      // Sequence numbers and offsets must continue even when the events themselves expired.
      const kept = scan.events.filter((event) => event.enqueuedTime >= retentionCutoff);
      for (const event of scan.events) if (event.enqueuedTime < retentionCutoff) this.skipExpired(event);
      const file = new SegmentFile(path);
      const startOf = new Map(scan.events.map((event, i) => [event, scan.starts[i]!]));
      for (const run of appendRuns(kept)) this.restore(this.chunkOfRun(file, data, run, startOf.get(run[0]!)!));
      const newest = scan.events.at(-1);
      if (newest) this.remember({ sequenceNumber: newest.sequenceNumber, offset: newest.offset, enqueuedTime: newest.enqueuedTime });
      if (scan.damagedTail) {
        // Its number was probably handed out (the record was complete): keep it reserved.
        this.reserve(this.nextSequenceNumber + 1, this.nextOffset + (scan.damagedTail.end - scan.damagedTail.start));
      }
      this.segments.push({ path, file, bytes: scan.validBytes, lastEnqueuedTime: scan.events.at(-1)?.enqueuedTime ?? 0 });
    }
  }

  private skipExpired(event: StoredEvent): void {
    this.reserve(event.sequenceNumber + 1, event.offset + event.message.byteLength);
  }

  private activeFd(): number {
    const active = this.segments.at(-1);
    if (this.fd !== undefined && active && active.bytes < this.segmentBytes) return this.fd;
    if (this.fd !== undefined) this.commit.retire(this.fd);
    this.fd = undefined;
    const rolling = !active || active.bytes >= this.segmentBytes;
    const path = rolling ? join(this.directory, segmentName(this.nextSequenceNumber)) : active.path;
    if (rolling) this.segments.push({ path, file: new SegmentFile(path), bytes: 0, lastEnqueuedTime: 0 });
    this.fd = openSync(path, 'a');
    // A new file's directory entry must be durable too, or syncs of its contents are for nothing.
    if (rolling) this.commit.created(this.directory);
    return this.fd;
  }

  /** Writes the batch's records straight from the transfer's bytes; the chunk keeps only where they went. */
  protected override store(batch: EventBatch, enqueuedTime: number): EventChunk {
    const transfer = new EventChunk(this.next, this.nextByte, enqueuedTime, batch);
    // From here the batch's index says where each message is in the records, not in the transfer.
    const buffer = encodeChunkRecords(transfer, scratchOf, { block: batch.index, at: batch.indexAt });
    // Written before the producer's delivery is accepted (sender-link.ts), so an accepted event survives a restart.
    const fd = this.activeFd();
    const active = this.segments.at(-1)!;
    const position = active.bytes;
    try {
      let written = 0;
      while (written < buffer.length) written += writeSync(fd, buffer, written);
      this.commit.written(fd);
    } catch (error) {
      // Leave no half record behind for the next append to follow (ENOSPC, EIO).
      try {
        ftruncateSync(fd, active.bytes);
      } catch {
        // the load-time scan cuts or skips it
      }
      throw error;
    }
    active.bytes += buffer.length;
    active.lastEnqueuedTime = enqueuedTime;
    const place = { segment: active.file, position, length: buffer.length };
    return new FileChunk(this.next, this.nextByte, enqueuedTime, batch, place, this.cache);
  }

  /** A loaded run as a chunk over its records in `file` (`data` is the file's bytes, read once at load). */
  private chunkOfRun(file: SegmentFile, data: Buffer, run: StoredEvent[], firstRecord: number): EventChunk {
    const count = run.length;
    const { block: index, at } = batchIndex(count);
    run.forEach((event, i) => {
      index[at + i] = event.message.byteOffset - data.byteOffset - firstRecord;
      index[at + count + i + 1] = index[at + count + i]! + event.message.byteLength;
    });
    const first = run[0]!;
    const last = run.at(-1)!;
    const end = last.message.byteOffset - data.byteOffset + last.message.byteLength;
    const batch = { bytes: data, count, index, indexAt: at, keys: keysOf(run.map((event) => event.partitionKey)) };
    return new FileChunk(first.sequenceNumber, first.offset, first.enqueuedTime, batch, { segment: file, position: firstRecord, length: end - firstRecord }, this.cache);
  }

  override whenDurable(done: DurableCallback): void {
    this.commit.whenDurable(done);
  }

  override expireBefore(cutoff: number): number {
    const dropped = super.expireBefore(cutoff);
    // Whole segments go once every event in them expired; the active one stays to keep the numbering.
    while (this.segments.length > 1 && this.segments[0]!.lastEnqueuedTime < cutoff) {
      rmSync(this.segments.shift()!.path, { force: true });
    }
    return dropped;
  }

  override close(): void {
    this.commit.close(this.fd);
    this.fd = undefined;
    for (const segment of this.segments) segment.file.close();
  }
}

/** Loaded records in runs that one append wrote: consecutive numbers and offsets, one enqueued time. */
function appendRuns(events: StoredEvent[]): StoredEvent[][] {
  const runs: StoredEvent[][] = [];
  let run: StoredEvent[] = [];
  for (const event of events) {
    const previous = run.at(-1);
    const continues =
      previous !== undefined &&
      event.sequenceNumber === previous.sequenceNumber + 1 &&
      event.offset === previous.offset + previous.message.byteLength &&
      event.enqueuedTime === previous.enqueuedTime;
    if (!continues && run.length > 0) {
      runs.push(run);
      run = [];
    }
    run.push(event);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
