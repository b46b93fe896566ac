import type { StoredEvent } from '../log/memory-log.js';
import { eventToRecord } from './amqp-mapping.js';
import { encodeBatch, type KafkaRecord } from './records.js';

// What a Fetch sends for a run of events: one RecordBatch per run of consecutive offsets (a gap
// in the numbering starts a new batch, as offset deltas must count up by one). The AMQP → Kafka
// mapping of each event is done once and kept while the event is; sizes are counted with an
// upper bound per record so limits hold before anything is encoded.

/** A batch header, from base offset to record count (https://kafka.apache.org/documentation/#recordbatch). */
export const BATCH_OVERHEAD = 61;
/** Per record beyond key, value and headers: length, attributes, timestamp and offset deltas, lengths, count. */
const RECORD_OVERHEAD = 5 + 1 + 10 + 5 + 5 + 5 + 5;

interface Mapped {
  record: KafkaRecord;
  /** Upper bound of the encoded record. */
  size: number;
}

const mapped = new WeakMap<StoredEvent, Mapped>();

function mappedOf(event: StoredEvent): Mapped {
  let entry = mapped.get(event);
  if (!entry) {
    const record = eventToRecord(event);
    let size = RECORD_OVERHEAD + (record.key?.length ?? 0) + (record.value?.length ?? 0);
    for (const header of record.headers) size += 10 + Buffer.byteLength(header.key) + (header.value?.length ?? 0);
    entry = { record, size };
    mapped.set(event, entry);
  }
  return entry;
}

export class RecordRuns {
  private readonly runs: Array<{ base: number; records: KafkaRecord[] }> = [];
  private next = -1;
  /** Upper bound of the encoded size so far. */
  bytes = 0;

  get empty(): boolean {
    return this.runs.length === 0;
  }

  /** What adding this event would add to `bytes`. */
  cost(event: StoredEvent): number {
    return mappedOf(event).size + (event.sequenceNumber === this.next ? 0 : BATCH_OVERHEAD);
  }

  add(event: StoredEvent): void {
    const cost = this.cost(event);
    if (event.sequenceNumber !== this.next) this.runs.push({ base: event.sequenceNumber, records: [] });
    this.runs.at(-1)!.records.push(mappedOf(event).record);
    this.next = event.sequenceNumber + 1;
    this.bytes += cost;
  }

  encode(): Buffer[] {
    return this.runs.map((run) => encodeBatch(run.base, run.records));
  }
}
