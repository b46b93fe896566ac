import type { Hub } from '../namespace.js';
import type { Partition } from '../partition.js';
import { KafkaWriter, MAX_ANSWER_BYTES } from './codec.js';
import { allowed, hubByTopicId, type KafkaContext, type KafkaSession } from './context.js';
import { ERROR } from './protocol.js';
import { RecordRuns } from './fetch-records.js';
import type { KafkaRequest } from './request.js';

// Fetch v4–v17 and ListOffsets v1–v9. Offsets are sequence numbers. Fetch answers at once when
// it has `min_bytes` or an error, else waits for an append to any asked partition, up to
// `max_wait_ms` (capped by limits.maxFetchWaitMs). Sessions (KIP-227) are declined with session
// id 0, so clients keep sending full fetches, which brokers allow.

interface FetchPartition {
  index: number;
  offset: number;
  maxBytes: number;
}

interface FetchTopic {
  name: string | undefined;
  id: Buffer | undefined;
  hub: Hub | undefined;
  partitions: FetchPartition[];
}

interface PartitionData {
  index: number;
  error: number;
  high: number;
  start: number;
  records: Buffer[];
  bytes: number;
}

function read(session: KafkaSession, topic: FetchTopic, ask: FetchPartition, budget: { left: number; first: boolean }): PartitionData {
  const partition: Partition | undefined = topic.hub?.partitions[ask.index];
  const empty = (error: number): PartitionData => ({ index: ask.index, error, high: -1, start: -1, records: [], bytes: 0 });
  if (!topic.hub) return empty(topic.id ? ERROR.UNKNOWN_TOPIC_ID : ERROR.UNKNOWN_TOPIC_OR_PARTITION);
  if (!allowed(session, topic.hub, 'Listen')) return empty(ERROR.TOPIC_AUTHORIZATION_FAILED);
  if (!partition) return empty(ERROR.UNKNOWN_TOPIC_OR_PARTITION);
  const log = partition.log;
  const high = log.nextSequenceNumber;
  const start = log.firstSequenceNumber;
  if (ask.offset < start || ask.offset > high) return { ...empty(ERROR.OFFSET_OUT_OF_RANGE), high, start };
  const runs = new RecordRuns();
  // Numbering may have gaps (a damaged record dropped on load, log/file-log.ts); Kafka clients
  // step over missing offsets as they do on compacted topics.
  for (let event = log.atOrAfter(ask.offset); event && event.sequenceNumber < high; event = log.atOrAfter(event.sequenceNumber + 1)) {
    const cost = runs.cost(event);
    // KIP-74: the first record of the response goes out even when larger than the limits.
    const fits = runs.bytes + cost <= ask.maxBytes && cost <= budget.left;
    if (!fits && !(budget.first && runs.empty)) break;
    runs.add(event);
    budget.left -= cost;
    budget.first = false;
  }
  const records = runs.encode();
  return { index: ask.index, error: ERROR.NONE, high, start, records, bytes: records.reduce((sum, batch) => sum + batch.length, 0) };
}

function waitForAppend(topics: FetchTopic[], session: KafkaSession, waitMs: number): Promise<void> {
  return new Promise((resolve) => {
    const stops: Array<() => void> = [];
    const done = (): void => {
      clearTimeout(timer);
      for (const stop of stops) stop();
      resolve();
    };
    const timer = setTimeout(done, waitMs);
    for (const topic of topics) {
      for (const ask of topic.partitions) {
        const partition = topic.hub?.partitions[ask.index];
        if (partition) stops.push(partition.onAppend(done));
      }
    }
    stops.push(session.onClose(done));
  });
}

export async function fetch(request: KafkaRequest, session: KafkaSession, context: KafkaContext): Promise<KafkaWriter> {
  const { body, version: v, flexible: f } = request;
  if (v < 15) body.int32();
  const maxWait = Math.min(Math.max(body.int32(), 0), context.limits.maxFetchWaitMs);
  const minBytes = body.int32();
  const maxBytes = body.int32();
  body.int8();
  if (v >= 7) {
    body.int32();
    body.int32();
  }
  const topics = body.array(f, (r): FetchTopic => {
    const id = v >= 13 ? Buffer.from(r.uuid()) : undefined;
    const name = v >= 13 ? undefined : r.string(f);
    const hub = id ? hubByTopicId(context.namespace, id) : context.namespace.hub(name!);
    const partitions = r.array(f, (p): FetchPartition => {
      const index = p.int32();
      if (v >= 9) p.int32();
      const offset = p.int64();
      if (v >= 12) p.int32();
      if (v >= 5) p.int64();
      return { index, offset, maxBytes: p.int32() };
    }, 16);
    return { name, id, hub, partitions };
  }, 2);
  const deadline = Date.now() + maxWait;
  let results: PartitionData[][];
  for (;;) {
    // Past the endpoint's bound on unsent answers, no records at all (not even KIP-74's first).
    const room = context.unsent.room();
    const budget = { left: Math.min(maxBytes > 0 ? maxBytes : Number.MAX_SAFE_INTEGER, context.limits.maxFetchBytes, room), first: room > 0 };
    results = topics.map((topic) => topic.partitions.map((ask) => read(session, topic, ask, budget)));
    const flat = results.flat();
    const total = flat.reduce((sum, data) => sum + data.bytes, 0);
    const remaining = deadline - Date.now();
    // min_bytes 0 (or less) means "answer at once", as on a broker.
    if (total >= minBytes || flat.some((data) => data.error !== ERROR.NONE) || remaining <= 0 || session.isClosed()) break;
    await waitForAppend(topics, session, remaining);
  }
  const recordBytes = results.flat().reduce((sum, data) => sum + data.bytes, 0);
  // Records are bounded by maxFetchBytes (plus KIP-74's one record); the rest is per-partition framing.
  const writer = new KafkaWriter(1024 + recordBytes, recordBytes + MAX_ANSWER_BYTES);
  writer.int32(0);
  if (v >= 7) writer.int16(ERROR.NONE).int32(0);
  writer.array(topics, f, (w, topic, ) => {
    if (v >= 13) w.raw(topic.id!);
    else w.string(topic.name!, f);
    const data = results[topics.indexOf(topic)]!;
    w.array(data, f, (pw, p) => {
      pw.int32(p.index).int16(p.error).int64(p.high).int64(p.high);
      if (v >= 5) pw.int64(p.start);
      pw.array([], f, () => undefined);
      if (v >= 11) pw.int32(-1);
      const length = p.bytes;
      if (f) pw.unsignedVarint(length + 1);
      else pw.int32(length);
      for (const batch of p.records) pw.raw(batch);
    });
  });
  return writer.tags(f);
}

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;

function offsetFor(partition: Partition, timestamp: number): { timestamp: number; offset: number } {
  const log = partition.log;
  if (timestamp === LATEST) return { timestamp: -1, offset: log.nextSequenceNumber };
  if (timestamp === EARLIEST || timestamp < MAX_TIMESTAMP) return { timestamp: -1, offset: log.firstSequenceNumber };
  if (timestamp === MAX_TIMESTAMP) {
    const last = log.last();
    return last ? { timestamp: last.enqueuedTime, offset: last.sequenceNumber } : { timestamp: -1, offset: -1 };
  }
  const event = log.atOrAfter(log.seekTime(timestamp, true));
  return event ? { timestamp: event.enqueuedTime, offset: event.sequenceNumber } : { timestamp: -1, offset: -1 };
}

export function listOffsets(request: KafkaRequest, session: KafkaSession, context: KafkaContext): KafkaWriter {
  const { body, version: v, flexible: f } = request;
  body.int32();
  if (v >= 2) body.int8();
  const topics = body.array(f, (r) => ({
    name: r.string(f),
    partitions: r.array(f, (p) => {
      const index = p.int32();
      if (v >= 4) p.int32();
      return { index, timestamp: p.int64() };
    }, 12),
  }), 2);
  const writer = new KafkaWriter();
  if (v >= 2) writer.int32(0);
  writer.array(topics, f, (w, topic) => {
    const hub = context.namespace.hub(topic.name);
    w.string(topic.name, f);
    w.array(topic.partitions, f, (pw, ask) => {
      const partition = hub?.partitions[ask.index];
      let error: number = ERROR.NONE;
      if (!hub || !partition) error = ERROR.UNKNOWN_TOPIC_OR_PARTITION;
      else if (!allowed(session, hub, 'Listen')) error = ERROR.TOPIC_AUTHORIZATION_FAILED;
      const found = error === ERROR.NONE ? offsetFor(partition!, ask.timestamp) : { timestamp: -1, offset: -1 };
      pw.int32(ask.index).int16(error).int64(found.timestamp).int64(found.offset);
      if (v >= 4) pw.int32(0);
    });
  });
  return writer.tags(f);
}

