import { KafkaWriter } from './codec.js';
import { allowed, mayUseGroups, type KafkaContext, type KafkaSession } from './context.js';
import { MAX_GROUP_ID_LENGTH } from './coordinator.js';
import { ERROR } from './protocol.js';
import type { KafkaRequest } from './request.js';

// OffsetCommit v2–v9 and OffsetFetch v1–v9: committed offsets per group, topic and partition,
// kept by offset-store.ts (on disk with a data directory). A commit from a group member is
// checked against its generation; generation -1 with no member id is a standalone commit.

const OFFSET_METADATA_TOO_LARGE = 12;
/** Kafka's offset.metadata.max.bytes default. */
const MAX_METADATA_CHARS = 4096;

export function offsetCommit(request: KafkaRequest, session: KafkaSession, context: KafkaContext): KafkaWriter {
  const { body, version: v, flexible: f } = request;
  const groupId = body.string(f);
  const generation = body.int32();
  // @platformatic/kafka sends a null member id for a commit from outside the group; take it as "".
  const memberId = body.nullableString(f) ?? '';
  if (v <= 4) body.int64();
  if (v >= 7) body.nullableString(f);
  const topics = body.array(f, (r) => ({
    name: r.string(f),
    partitions: r.array(f, (p) => {
      const index = p.int32();
      const offset = p.int64();
      const leaderEpoch = v >= 6 ? p.int32() : -1;
      return { index, offset, leaderEpoch, metadata: p.nullableString(f) };
    }, 13),
  }), 2);
  let groupError: number = ERROR.NONE;
  if (!mayUseGroups(session, context.namespace)) groupError = ERROR.GROUP_AUTHORIZATION_FAILED;
  else if (groupId.length === 0 || groupId.length > MAX_GROUP_ID_LENGTH) groupError = ERROR.INVALID_GROUP_ID;
  else if (!context.offsets.has(groupId) && context.offsets.groupCount() >= context.coordinator.limits.maxGroups) {
    // The store is bounded like the coordinator: no offsets for more than maxGroups groups.
    groupError = ERROR.GROUP_MAX_SIZE_REACHED;
  }
  else if (generation >= 0 || memberId !== '') {
    const group = context.coordinator.get(groupId);
    groupError = group ? group.check(memberId, generation, true) : ERROR.UNKNOWN_MEMBER_ID;
  }
  const accepted: Array<{ topic: string; partition: number; committed: { offset: number; leaderEpoch: number; metadata: string | null } }> = [];
  const acceptedResults: Array<{ error: number }> = [];
  const results = topics.map((topic) => {
    const hub = context.namespace.hub(topic.name);
    return {
      name: topic.name,
      partitions: topic.partitions.map((p) => {
        const result = { index: p.index, error: groupError as number };
        if (result.error === ERROR.NONE) {
          if (!hub || !hub.partitions[p.index]) result.error = ERROR.UNKNOWN_TOPIC_OR_PARTITION;
          else if (!allowed(session, hub, 'Listen')) result.error = ERROR.TOPIC_AUTHORIZATION_FAILED;
          else if ((p.metadata?.length ?? 0) > MAX_METADATA_CHARS) result.error = OFFSET_METADATA_TOO_LARGE;
          else {
            accepted.push({ topic: hub.name, partition: p.index, committed: { offset: p.offset, leaderEpoch: p.leaderEpoch, metadata: p.metadata } });
            acceptedResults.push(result);
          }
        }
        return result;
      }),
    };
  });
  // The store is bounded (offset-store.ts): a full store refuses new entries as the group cap
  // refuses new groups, metadata past its share as Kafka's offset.metadata.max.bytes does.
  const refusals = accepted.length > 0 ? context.offsets.commit(groupId, accepted) : [];
  refusals.forEach((refusal, index) => {
    if (refusal) acceptedResults[index]!.error = refusal === 'full' ? ERROR.GROUP_MAX_SIZE_REACHED : OFFSET_METADATA_TOO_LARGE;
  });
  const writer = new KafkaWriter();
  if (v >= 3) writer.int32(0);
  writer.array(results, f, (w, topic) => {
    w.string(topic.name, f);
    w.array(topic.partitions, f, (pw, p) => pw.int32(p.index).int16(p.error));
  });
  return writer.tags(f);
}

interface AskedTopic {
  name: string;
  partitions: number[];
}

function writeTopics(w: KafkaWriter, v: number, f: boolean, context: KafkaContext, session: KafkaSession, groupId: string, asked: AskedTopic[] | null): void {
  const topics = asked ?? context.offsets.all(groupId).map((entry) => ({ name: entry.topic, partitions: entry.partitions }));
  w.array(topics, f, (tw, topic) => {
    const hub = context.namespace.hub(topic.name);
    tw.string(topic.name, f);
    tw.array(topic.partitions, f, (pw, index) => {
      const error = !hub || !hub.partitions[index] ? ERROR.UNKNOWN_TOPIC_OR_PARTITION : allowed(session, hub, 'Listen') ? ERROR.NONE : ERROR.TOPIC_AUTHORIZATION_FAILED;
      const committed = error === ERROR.NONE ? context.offsets.get(groupId, hub!.name, index) : undefined;
      pw.int32(index).int64(committed?.offset ?? -1);
      if (v >= 5) pw.int32(committed?.leaderEpoch ?? -1);
      pw.nullableString(committed ? committed.metadata : '', f).int16(error);
    });
  });
}

export function offsetFetch(request: KafkaRequest, session: KafkaSession, context: KafkaContext): KafkaWriter {
  const { body, version: v, flexible: f } = request;
  const readTopics = (): AskedTopic[] | null =>
    body.nullableArray(f, (r) => ({ name: r.string(f), partitions: r.array(f, (p) => p.int32(), 4, false) }), 2);
  const permitted = mayUseGroups(session, context.namespace);
  const groupError = permitted ? ERROR.NONE : ERROR.GROUP_AUTHORIZATION_FAILED;
  const writer = new KafkaWriter();
  if (v >= 3) writer.int32(0);
  if (v >= 8) {
    const groups = body.array(f, (r) => {
      const id = r.string(f);
      if (v >= 9) {
        r.nullableString(f);
        r.int32();
      }
      return { id, topics: readTopics() };
    }, 2);
    writer.array(groups, f, (w, group) => {
      w.string(group.id, f);
      if (permitted) writeTopics(w, v, f, context, session, group.id, group.topics);
      else w.array([], f, () => undefined);
      w.int16(groupError);
    });
    return writer.tags(f);
  }
  const groupId = body.string(f);
  const topics = readTopics();
  if (permitted) writeTopics(writer, v, f, context, session, groupId, topics);
  else writer.array([], f, () => undefined);
  if (v >= 2) writer.int16(groupError);
  return writer.tags(f);
}
