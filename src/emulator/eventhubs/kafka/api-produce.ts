import { MAX_MESSAGE_SIZE } from '../sender-link.js';
import type { Partition } from '../partition.js';
import { KafkaWriter } from './codec.js';
import { allowed, type KafkaContext, type KafkaSession } from './context.js';
import { recordToEvent } from './amqp-mapping.js';
import { ERROR } from './protocol.js';
import { decodeBatches, RecordBatchError } from './records.js';
import type { KafkaRequest } from './request.js';

// Produce v3+ (RecordBatch v2 only). Each batch is appended to the partition the client chose, as
// the AMQP events it maps to; offsets in the answer are the sequence numbers given to them.

interface PartitionResult {
  index: number;
  error: number;
  baseOffset: number;
  logStartOffset: number;
  message: string | null;
  /** Set when events were appended: the answer waits until they are durable (--fsync policy). */
  partition?: Partition;
}

const KAFKA_STORAGE_ERROR = 56;

function durable(partition: Partition): Promise<Error | undefined> {
  return new Promise((resolve) => partition.log.whenDurable((error) => resolve(error)));
}

function producePartition(
  context: KafkaContext,
  session: KafkaSession,
  topic: string,
  index: number,
  records: Buffer | null,
): PartitionResult {
  const fail = (error: number, message: string | null = null): PartitionResult => ({ index, error, baseOffset: -1, logStartOffset: -1, message });
  const hub = context.namespace.hub(topic);
  const partition = hub?.partitions[index];
  if (!hub) return fail(ERROR.UNKNOWN_TOPIC_OR_PARTITION);
  if (!allowed(session, hub, 'Send')) return fail(ERROR.TOPIC_AUTHORIZATION_FAILED);
  if (!partition) return fail(ERROR.UNKNOWN_TOPIC_OR_PARTITION);
  if (records === null || records.length === 0) return fail(ERROR.CORRUPT_MESSAGE, 'expected records, got none');
  if (records.length > context.limits.maxBatchBytes) {
    return fail(ERROR.MESSAGE_TOO_LARGE, `record batches of ${records.length} bytes exceed the limit of ${context.limits.maxBatchBytes}`);
  }
  let batches;
  try {
    batches = decodeBatches(records, context.limits.maxBatchBytes * 4);
  } catch (error) {
    if (error instanceof RecordBatchError) return fail(error.errorCode, error.message);
    throw error;
  }
  const key = `${hub.name}/${partition.id}`;
  let baseOffset = -1;
  let appended = false;
  for (const batch of batches) {
    if (batch.transactional || batch.control) return fail(ERROR.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'transactions are not supported');
    const events = batch.records.map(recordToEvent);
    const tooLarge = events.find((event) => event.message.byteLength > MAX_MESSAGE_SIZE);
    if (tooLarge) return fail(ERROR.MESSAGE_TOO_LARGE, `an event of ${tooLarge.message.byteLength} bytes exceeds the limit of ${MAX_MESSAGE_SIZE}`);
    if (events.length === 0) continue;
    const verdict = context.producerIds.judge(batch.producerId, batch.producerEpoch, key, batch.baseSequence, events.length);
    if (verdict.kind === 'error') return fail(verdict.errorCode);
    if (verdict.kind === 'duplicate') {
      if (baseOffset < 0) baseOffset = verdict.baseOffset;
      continue;
    }
    const stored = partition.append(events);
    appended = true;
    const first = stored[0]!.sequenceNumber;
    context.producerIds.record(batch.producerId, batch.producerEpoch, key, batch.baseSequence, events.length, first);
    if (baseOffset < 0) baseOffset = first;
  }
  return { index, error: ERROR.NONE, baseOffset, logStartOffset: partition.log.firstSequenceNumber, message: null, ...(appended ? { partition } : {}) };
}

export async function produce(request: KafkaRequest, session: KafkaSession, context: KafkaContext): Promise<KafkaWriter | undefined> {
  const { body, version: v, flexible: f } = request;
  const transactionalId = body.nullableString(f);
  const acks = body.int16();
  body.int32();
  const topics = body.array(f, (r) => ({
    name: r.string(f),
    partitions: r.array(f, (p) => ({ index: p.int32(), records: p.nullableBytes(f) }), 5),
  }), 2);
  const results = topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((p) =>
      transactionalId !== null
        ? { index: p.index, error: ERROR.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, baseOffset: -1, logStartOffset: -1, message: 'transactions are not supported' }
        : producePartition(context, session, topic.name, p.index, p.records),
    ),
  }));
  if (acks === 0) return undefined;
  // Acknowledged only once durable, as AMQP sends are (log/group-commit.ts).
  for (const result of results.flatMap((topic) => topic.partitions)) {
    if (!result.partition) continue;
    const error = await durable(result.partition);
    if (error) Object.assign(result, { error: KAFKA_STORAGE_ERROR, baseOffset: -1, message: `The event could not be stored: ${error.message}` });
  }
  const writer = new KafkaWriter();
  writer.array(results, f, (w, topic) => {
    w.string(topic.name, f);
    w.array(topic.partitions, f, (pw, p) => {
      pw.int32(p.index).int16(p.error).int64(p.baseOffset).int64(-1);
      if (v >= 5) pw.int64(p.logStartOffset);
      if (v >= 8) {
        pw.array([], f, () => undefined);
        pw.nullableString(p.message, f);
      }
    });
  });
  writer.int32(0);
  return writer.tags(f);
}
