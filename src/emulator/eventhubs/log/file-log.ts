import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryPartitionLog, type StoredEvent } from './memory-log.js';
import { DEFAULT_FSYNC_POLICY, GroupCommit, type DurableCallback, type FsyncPolicy } from './group-commit.js';
import { encodeRecord, scanSegment, type DamagedRange } from './segment-codec.js';

export { decodeRecords, encodeRecord } from './segment-codec.js';

// Append-only segment files per partition (`--data-dir`), so a restart serves the same events
// with the same sequence numbers and offsets. Events are also kept in memory for reading; the
// files exist for durability. On load (segment-codec.ts): a damaged record in the middle is
// dropped alone and logged with its sequence range; only a torn tail is cut; numbering resumes
// past the highest number ever written (the segment name included), so none is handed out twice.

const SEGMENT_BYTES = 16 * 1024 * 1024;

export interface FileLogOptions {
  fsync?: FsyncPolicy;
  /** Receives the damaged ranges found on load. */
  log?: (line: string) => void;
  segmentBytes?: number;
}

interface Segment {
  path: string;
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

  constructor(private readonly directory: string, retentionCutoff: number, options: FileLogOptions = {}) {
    super();
    this.policy = options.fsync ?? DEFAULT_FSYNC_POLICY;
    this.segmentBytes = options.segmentBytes ?? SEGMENT_BYTES;
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
      for (const event of scan.events) {
        // Sequence numbers and offsets must continue even when the events themselves expired.
        if (event.enqueuedTime >= retentionCutoff) this.restore(event);
        else this.skipExpired(event);
      }
      if (scan.damagedTail) {
        // Its number was probably handed out (the record was complete): keep it reserved.
        this.reserve(this.nextSequenceNumber + 1, this.nextOffset + (scan.damagedTail.end - scan.damagedTail.start));
      }
      this.segments.push({ path, bytes: scan.validBytes, lastEnqueuedTime: scan.events.at(-1)?.enqueuedTime ?? 0 });
    }
  }

  private skipExpired(event: StoredEvent): void {
    this.reserve(event.sequenceNumber + 1, event.offset + event.message.byteLength);
    this.remember(event);
  }

  private activeFd(): number {
    const active = this.segments.at(-1);
    if (this.fd !== undefined && active && active.bytes < this.segmentBytes) return this.fd;
    if (this.fd !== undefined) this.commit.retire(this.fd);
    this.fd = undefined;
    const rolling = !active || active.bytes >= this.segmentBytes;
    const path = rolling ? join(this.directory, segmentName(this.nextSequenceNumber)) : active.path;
    if (rolling) this.segments.push({ path, bytes: 0, lastEnqueuedTime: 0 });
    this.fd = openSync(path, 'a');
    // A new file's directory entry must be durable too, or fsyncs of its contents are for nothing.
    if (rolling && this.policy !== 'never') this.syncDirectory();
    return this.fd;
  }

  private syncDirectory(): void {
    const fd = openSync(this.directory, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  protected override persist(records: StoredEvent[]): void {
    if (records.length === 0) return;
    const buffer = Buffer.concat(records.map(encodeRecord));
    // Written before the producer's delivery is accepted (sender-link.ts), so an accepted event survives a restart.
    const fd = this.activeFd();
    const active = this.segments.at(-1)!;
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
    active.lastEnqueuedTime = records.at(-1)!.enqueuedTime;
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
  }
}
