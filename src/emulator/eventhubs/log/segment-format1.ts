import { crc32Of } from './crc32.js';
import type { DamagedRange } from './segment-codec.js';
import type { StoredEvent } from './events.js';
import { nextValidRecord, type RecordFormat } from './segment-resync.js';

// Reading segments of format 1 (one record per event, no file header), so a --data-dir written
// before format 2 is converted on load (file-log.ts) rather than refused. Record layout (big-endian):
//   u32 length-of-rest | u32 crc32-of-rest | f64 seq | f64 offset | f64 enqueuedTime
//   | u16 keyLength (0xFFFF = no key) | key UTF-8 | message bytes
// A damaged record is skipped alone, resynchronising on the next valid one, as format 1 promised.

const RECORD_HEADER = 4 + 4;
const FIXED = 8 + 8 + 8 + 2;
const NO_KEY = 0xffff;
/** Larger than any record format 1 wrote (1 MiB message + 64 KiB key); anything longer is garbage. */
const MAX_REST = FIXED + NO_KEY + 2 * 1024 * 1024;

export interface Format1Scan {
  events: StoredEvent[];
  damaged: DamagedRange[];
  /** Where the file should end: the torn tail (an incomplete final record) starts here. */
  validBytes: number;
  /** A complete final record that failed its CRC (its number stays reserved). */
  damagedTail: DamagedRange | undefined;
}

/** The record at `position` when its header, bounds, CRC and numbering all hold. */
function recordAt(data: Buffer, position: number, after: number): { event: StoredEvent; end: number } | undefined {
  if (position + RECORD_HEADER + FIXED > data.length) return undefined;
  const length = data.readUInt32BE(position);
  const end = position + RECORD_HEADER + length;
  if (length < FIXED || length > MAX_REST || end > data.length) return undefined;
  const sequenceNumber = data.readDoubleBE(position + RECORD_HEADER);
  // Cheap checks first so resynchronising over a damaged stretch rarely computes a CRC.
  if (!Number.isSafeInteger(sequenceNumber) || sequenceNumber <= after) return undefined;
  const rest = data.subarray(position + RECORD_HEADER, end);
  const keyLength = rest.readUInt16BE(24);
  const keyBytes = keyLength === NO_KEY ? 0 : keyLength;
  if (FIXED + keyBytes > rest.length) return undefined;
  if (crc32Of(rest) !== data.readUInt32BE(position + 4)) return undefined;
  return {
    end,
    event: {
      sequenceNumber,
      offset: rest.readDoubleBE(8),
      enqueuedTime: rest.readDoubleBE(16),
      ...(keyLength === NO_KEY ? {} : { partitionKey: rest.toString('utf8', FIXED, FIXED + keyBytes) }),
      // A view into the segment's bytes: the log keeps the file's buffer rather than a copy per event.
      message: new Uint8Array(rest.buffer, rest.byteOffset + FIXED + keyBytes, rest.length - FIXED - keyBytes),
    },
  };
}

const FORMAT: RecordFormat = {
  headerBytes: RECORD_HEADER,
  fixedBytes: FIXED,
  // Format 1 had a record per event, so the smallest record is the fewest bytes per number.
  minBytesPerNumber: RECORD_HEADER + FIXED,
  recordAt(data, position, after) {
    const record = recordAt(data, position, after);
    return record && { first: record.event.sequenceNumber, last: record.event.sequenceNumber, end: record.end };
  },
};

/**
 * Intact records of one segment. `after` is the highest sequence number seen in earlier segments
 * (records must number upwards, which also rejects stale bytes that happen to checksum).
 */
export function scanFormat1(data: Buffer, after = -1): Format1Scan {
  const events: StoredEvent[] = [];
  const damaged: DamagedRange[] = [];
  let highest = after;
  let position = 0;
  while (position < data.length) {
    const record = recordAt(data, position, highest);
    if (record) {
      events.push(record.event);
      highest = record.event.sequenceNumber;
      position = record.end;
      continue;
    }
    const resume = nextValidRecord(FORMAT, data, position, highest);
    const previous = events.at(-1)?.sequenceNumber;
    if (resume === undefined) {
      // Nothing intact follows. A final record whose length fits the file was complete when
      // written (so maybe acknowledged): keep its bytes and its number; only an incomplete one is torn.
      const length = position + RECORD_HEADER <= data.length ? data.readUInt32BE(position) : Infinity;
      const complete = length >= FIXED && length <= MAX_REST && position + RECORD_HEADER + length === data.length;
      if (complete) {
        return { events, damaged, validBytes: data.length, damagedTail: { start: position, end: data.length, afterSequenceNumber: previous, nextSequenceNumber: undefined } };
      }
      return { events, damaged, validBytes: position, damagedTail: undefined };
    }
    damaged.push({ start: position, end: resume, afterSequenceNumber: previous, nextSequenceNumber: recordAt(data, resume, highest)!.event.sequenceNumber });
    position = resume;
  }
  return { events, damaged, validBytes: position, damagedTail: undefined };
}

/** Format-1 events in the runs one append wrote: consecutive numbers and offsets, one enqueued time. */
export function appendRuns(events: StoredEvent[]): StoredEvent[][] {
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
