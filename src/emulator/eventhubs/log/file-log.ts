import { closeSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { EventChunk } from './event-chunk.js';
import { batchOf, type EventBatch } from './events.js';
import { FileChunk, ReadCache, SegmentFile } from './file-chunk.js';
import { MemoryPartitionLog } from './memory-log.js';
import { checkFsyncPolicy, DEFAULT_FSYNC_POLICY, GroupCommit, type DurableCallback, type FsyncPolicy } from './group-commit.js';
import { appendRuns, scanFormat1 } from './segment-format1.js';
import { encodeRecord, encodeRecordHeader, scanSegment, SEGMENT_FORMAT, SEGMENT_HEADER, segmentFormat, type DamagedRange, type LoadedRecord } from './segment-codec.js';

export { decodeRecords, encodeRecord } from './segment-codec.js';

// Append-only segment files per partition (`--data-dir`), so a restart serves the same events
// with the same sequence numbers and offsets. Each append is one record (segment-codec.ts): a
// small header and the transfer's bytes as they arrived. Memory holds only where each append's
// payload is (file-chunk.ts): readers get the bytes back from the segment file, the page cache
// keeping recent ones hot. On load a damaged record in the middle (one append) is dropped alone
// and logged with its sequence range; only a torn tail is cut; numbering resumes past the highest
// number ever written (the segment name included), so none is handed out twice.

const SEGMENT_BYTES = 16 * 1024 * 1024;
/** The largest header scratch kept between appends (a kind-1 record's table grows with its events). */
const SCRATCH_LIMIT = 256 * 1024;
let scratch = Buffer.alloc(0);

/** writev copies the header into the page cache at once, so one buffer serves every append of every partition. */
function scratchOf(bytes: number): Buffer {
  if (bytes > SCRATCH_LIMIT) return Buffer.allocUnsafe(bytes);
  if (scratch.length < bytes) scratch = Buffer.allocUnsafeSlow(Math.max(bytes, 4 * 1024));
  return scratch;
}

/** A segment file this version cannot read (written by a newer emulator, or not a segment). */
export class SegmentFormatError extends Error {
  override readonly name = 'SegmentFormatError';

  constructor(
    readonly path: string,
    readonly format: number,
  ) {
    super(
      `${path} is a format-${format} segment; this emulator reads format ${SEGMENT_FORMAT} (and converts format 1). ` +
        `Use the emulator version that wrote it, start with a fresh --data-dir, or move this partition's files away.`,
    );
  }
}

/** Writes `parts` one after another at the file's end, in one system call when the OS takes them all. */
function writeAll(fd: number, parts: Uint8Array[]): void {
  let written = writevSync(fd, parts);
  for (const part of parts) {
    if (written >= part.byteLength) {
      written -= part.byteLength;
      continue;
    }
    let done = written;
    written = 0;
    while (done < part.byteLength) done += writeSync(fd, part, done);
  }
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
      let data: Buffer = readFileSync(path);
      let reservedByFormat1: number | undefined;
      const format = segmentFormat(data);
      if (format === 'empty') {
        // Created but its header not (wholly) written: start it again.
        this.truncateTo(path, 0);
        this.segments.push({ path, file: new SegmentFile(path), bytes: 0, lastEnqueuedTime: 0 });
        continue;
      }
      if (format === 1) ({ data, reservedNext: reservedByFormat1 } = this.convertFormat1(path, data, options.log));
      else if (format !== SEGMENT_FORMAT) throw new SegmentFormatError(path, format);
      const scan = scanSegment(data, this.nextSequenceNumber - 1);
      for (const range of scan.damaged) options.log?.(describeDamage(path, range));
      if (scan.damagedTail) options.log?.(describeDamage(path, scan.damagedTail));
      if (scan.validBytes < data.length) {
        options.log?.(`eventhubs: ${path}: cut a torn tail of ${data.length - scan.validBytes} bytes (an incomplete final record)`);
        this.truncateTo(path, scan.validBytes);
      }
      const file = new SegmentFile(path);
      for (const record of scan.records) this.load(file, record, retentionCutoff);
      if (reservedByFormat1 !== undefined) this.reserve(reservedByFormat1, this.nextOffset);
      if (scan.damagedTail) {
        // Its numbers were probably handed out (the record was complete): keep them reserved.
        this.reserve(scan.nextSequenceNumber, this.nextOffset + (scan.damagedTail.end - scan.damagedTail.start));
      }
      this.segments.push({ path, file, bytes: scan.validBytes, lastEnqueuedTime: scan.records.at(-1)?.enqueuedTime ?? 0 });
    }
  }

  /**
   * Rewrites a format-1 segment (a record per event) as format 2, each run one append wrote as one
   * record, replacing the file only once the new one is on disk. Damaged format-1 records are
   * dropped and logged as format 1 would have; a damaged final one keeps its number for this run.
   */
  private convertFormat1(path: string, data: Buffer, log: ((line: string) => void) | undefined): { data: Buffer; reservedNext?: number } {
    const scan = scanFormat1(data, this.nextSequenceNumber - 1);
    for (const range of [...scan.damaged, ...(scan.damagedTail ? [scan.damagedTail] : [])]) log?.(describeDamage(path, range));
    const records = appendRuns(scan.events).map((run) => {
      const [first] = run;
      const fields = { firstSequenceNumber: first!.sequenceNumber, firstOffset: first!.offset, enqueuedTime: first!.enqueuedTime };
      return encodeRecord(fields, batchOf(run.map(({ message, partitionKey }) => (partitionKey === undefined ? { message } : { message, partitionKey }))));
    });
    const converted = Buffer.concat([SEGMENT_HEADER, ...records]);
    const temporary = `${path}.format2`;
    const fd = openSync(temporary, 'w');
    try {
      writeAll(fd, [converted]);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    const directory = openSync(this.directory, 'r');
    try {
      fsyncSync(directory);
    } finally {
      closeSync(directory);
    }
    log?.(`eventhubs: ${path}: converted from segment format 1 (a record per event) to format ${SEGMENT_FORMAT} (a record per append), ${scan.events.length} events`);
    if (!scan.damagedTail) return { data: converted };
    return { data: converted, reservedNext: (scan.events.at(-1)?.sequenceNumber ?? this.nextSequenceNumber - 1) + 2 };
  }

  private truncateTo(path: string, bytes: number): void {
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, bytes);
    } finally {
      closeSync(fd);
    }
  }

  /** One loaded append as a chunk over its payload in `file`; numbers and offsets continue past it even when it expired. */
  private load(file: SegmentFile, record: LoadedRecord, retentionCutoff: number): void {
    const { firstSequenceNumber, firstOffset, enqueuedTime, batch, payloadAt } = record;
    const place = { segment: file, position: payloadAt, length: batch.bytes.byteLength };
    const chunk = new FileChunk(firstSequenceNumber, firstOffset, enqueuedTime, batch, place, this.cache);
    if (enqueuedTime >= retentionCutoff) return this.restore(chunk);
    this.reserve(chunk.lastSequenceNumber + 1, chunk.firstOffset + chunk.byteLength);
    this.remember({ sequenceNumber: chunk.lastSequenceNumber, offset: chunk.offset(chunk.count - 1), enqueuedTime });
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

  /** Writes the batch as one record, its payload straight from the transfer's bytes; the chunk keeps only where it went. */
  protected override store(batch: EventBatch, enqueuedTime: number): EventChunk {
    const header = encodeRecordHeader({ firstSequenceNumber: this.next, firstOffset: this.nextByte, enqueuedTime }, batch, scratchOf);
    // Written before the producer's delivery is accepted (sender-link.ts), so an accepted event survives a restart.
    const fd = this.activeFd();
    const active = this.segments.at(-1)!;
    // A new segment's file header goes out with its first record.
    const start = active.bytes === 0 ? SEGMENT_HEADER.length : 0;
    const position = active.bytes + start;
    try {
      writeAll(fd, start > 0 ? [SEGMENT_HEADER, header, batch.bytes] : [header, batch.bytes]);
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
    active.bytes = position + header.length + batch.bytes.byteLength;
    active.lastEnqueuedTime = enqueuedTime;
    // The batch's index says where each message is in its bytes: the same in the payload on disk.
    const place = { segment: active.file, position: position + header.length, length: batch.bytes.byteLength };
    return new FileChunk(this.next, this.nextByte, enqueuedTime, batch, place, this.cache);
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
