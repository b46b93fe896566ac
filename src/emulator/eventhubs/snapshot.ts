import type { EpochRegistry } from './epochs.js';
import type { Group } from './kafka/coordinator.js';
import { eventToRecord, recordToEvent } from './kafka/amqp-mapping.js';
import type { StoredEvent } from './log/memory-log.js';
import type { EventHubsNamespace, Hub } from './namespace.js';
import type { Partition } from './partition.js';

// A read-only picture of the Event Hubs emulator for the dashboard (src/emulator/dashboard):
// hubs, partitions (sequence range, bytes, retention), consumer groups with their AMQP
// receivers, the newest events of each partition (bodies cut to a preview), and the Kafka
// endpoint's groups; plus one action, sending an event, which appends to the log as a producer
// would. Nothing here names a key or token.

export const EVENTHUBS_SNAPSHOT_LIMITS = { hubs: 20, peekPerPartition: 5, previewChars: 200, receiversPerGroup: 100, kafkaGroups: 100, kafkaMembersPerGroup: 50 };
/** Largest body and partition key the dashboard's send form takes (the service's key limit is 128 characters). */
export const DASHBOARD_SEND_LIMITS = { bodyBytes: 64 * 1024, partitionKeyChars: 128 };
const PREVIEW_CACHE_SIZE = 1000;

export interface EventPreview {
  sequenceNumber: number;
  offset: number;
  enqueuedTime: number;
  partitionKey?: string;
  /** Body bytes (all data sections, or the value section as text / JSON). */
  size: number;
  /** UTF-8 text, or hex when the body is not UTF-8; at most 200 characters. */
  preview: string;
  truncated: boolean;
}

export interface PartitionView {
  id: string;
  /** -1 / -1 for a partition that never had an event (as `$management` reports). */
  beginSequenceNumber: number;
  lastEnqueuedSequenceNumber: number;
  lastEnqueuedTime: number;
  /** Sequence numbers spanned by the retained events (a gap left by a dropped damaged record counts). */
  retainedEvents: number;
  retainedBytes: number;
  /** Newest first. */
  newest: EventPreview[];
}

export interface ConsumerGroupView {
  name: string;
  receivers: Array<{ partitionId: string; name: string; epoch?: number }>;
}

export interface KafkaGroupView {
  id: string;
  state: string;
  generation: number;
  protocol: string | null;
  leader: string;
  members: Array<{ id: string; clientId: string; clientHost: string }>;
  memberCount: number;
}

export interface EventHubsSnapshot {
  namespace: string;
  hubs: Array<{ name: string; retentionMs: number; partitions: PartitionView[]; consumerGroups: ConsumerGroupView[] }>;
  /** Absent when the emulator serves no Kafka endpoint. */
  kafka?: { groups: KafkaGroupView[] };
}

export interface EventHubsSendRequest {
  hub: string;
  body: string;
  partitionId?: string;
  partitionKey?: string;
}

export interface EventHubsInspector {
  snapshot(): EventHubsSnapshot;
  /** Appends one event as a producer would, resolving once it is durable under the fsync policy. */
  send(request: EventHubsSendRequest): Promise<{ partitionId: string; sequenceNumber: number }>;
}

/** A send the dashboard refused for its input (the server answers 400 with the message). */
export class DashboardInputError extends Error {}

export interface EventHubsInspectorSources {
  namespace: EventHubsNamespace;
  epochs: EpochRegistry;
  /** The Kafka endpoint's consumer groups, when it runs. */
  kafkaGroups?: () => Group[];
}

export function createEventHubsInspector(sources: EventHubsInspectorSources): EventHubsInspector {
  const previews = new Map<string, Omit<EventPreview, 'sequenceNumber' | 'offset' | 'enqueuedTime' | 'partitionKey'>>();
  const previewOf = (hub: Hub, partition: Partition, event: StoredEvent): EventPreview => {
    // Decoding a 1 MB event twice a second for every viewer would be wasteful: previews are cached.
    const key = `${hub.name}/${partition.id}/${event.sequenceNumber}`;
    let body = previews.get(key);
    if (!body) {
      body = bodyPreview(event);
      previews.set(key, body);
      if (previews.size > PREVIEW_CACHE_SIZE) previews.delete(previews.keys().next().value!);
    }
    return { sequenceNumber: event.sequenceNumber, offset: event.offset, enqueuedTime: event.enqueuedTime, ...(event.partitionKey === undefined ? {} : { partitionKey: event.partitionKey }), ...body };
  };
  return {
    snapshot: () => {
      const receivers = receiversByHub(sources.epochs);
      const hubs = sources.namespace.hubNames().slice(0, EVENTHUBS_SNAPSHOT_LIMITS.hubs).map((name) => {
        const hub = sources.namespace.hub(name)!;
        const byGroup = receivers.get(hub.name.toLowerCase());
        return {
          name: hub.name,
          retentionMs: hub.definition.retentionMs,
          partitions: hub.partitions.map((partition) => partitionView(partition, (event) => previewOf(hub, partition, event))),
          consumerGroups: [...hub.definition.consumerGroups].map(([lower, spelling]) => ({ name: spelling, receivers: (byGroup?.get(lower) ?? []).slice(0, EVENTHUBS_SNAPSHOT_LIMITS.receiversPerGroup) })),
        };
      });
      const groups = sources.kafkaGroups?.();
      return { namespace: sources.namespace.name, hubs, ...(groups ? { kafka: { groups: groups.slice(0, EVENTHUBS_SNAPSHOT_LIMITS.kafkaGroups).map(kafkaGroupView) } } : {}) };
    },
    send: (request) => {
      const hub = sources.namespace.hub(request.hub);
      if (!hub) return Promise.reject(new DashboardInputError(`no hub named ${JSON.stringify(request.hub.slice(0, 100))}`));
      if (request.partitionId !== undefined && request.partitionKey !== undefined) {
        return Promise.reject(new DashboardInputError('give a partition id or a partition key, not both'));
      }
      if (request.partitionKey !== undefined && request.partitionKey.length > DASHBOARD_SEND_LIMITS.partitionKeyChars) {
        return Promise.reject(new DashboardInputError(`a partition key has at most ${DASHBOARD_SEND_LIMITS.partitionKeyChars} characters`));
      }
      const value = Buffer.from(request.body, 'utf8');
      if (value.length > DASHBOARD_SEND_LIMITS.bodyBytes) return Promise.reject(new DashboardInputError(`the body is larger than ${DASHBOARD_SEND_LIMITS.bodyBytes} bytes`));
      const partition = request.partitionId !== undefined ? hub.partition(request.partitionId) : hub.route(request.partitionKey);
      if (!partition) return Promise.reject(new DashboardInputError(`hub ${hub.name} has partitions 0-${hub.partitions.length - 1}`));
      // Stored as an AMQP producer would send it: a data section, the key as x-opt-partition-key.
      const event = recordToEvent({ key: request.partitionKey === undefined ? null : Buffer.from(request.partitionKey, 'utf8'), value, headers: [], timestamp: Date.now() });
      const [stored] = partition.append([event]);
      return new Promise((resolve, reject) =>
        partition.log.whenDurable((error) => (error ? reject(error) : resolve({ partitionId: partition.id, sequenceNumber: stored!.sequenceNumber }))),
      );
    },
  };
}

function partitionView(partition: Partition, preview: (event: StoredEvent) => EventPreview): PartitionView {
  const log = partition.log;
  const properties = partition.properties();
  const newest: EventPreview[] = [];
  const last = log.last();
  const first = log.atOrAfter(log.firstSequenceNumber);
  // Walk back from the newest retained event; numbering may have gaps (log/file-log.ts), so the
  // walk is bounded too: a wide gap shows fewer events rather than costing a long loop.
  const stop = Math.max(log.firstSequenceNumber, (last?.sequenceNumber ?? -1) - 100);
  for (let sequence = last?.sequenceNumber ?? -1; sequence >= stop && newest.length < EVENTHUBS_SNAPSHOT_LIMITS.peekPerPartition; sequence--) {
    const event = log.get(sequence);
    if (event) newest.push(preview(event));
  }
  return {
    id: partition.id,
    beginSequenceNumber: properties.beginSequenceNumber,
    lastEnqueuedSequenceNumber: properties.lastEnqueuedSequenceNumber,
    lastEnqueuedTime: properties.lastEnqueuedTime.getTime(),
    retainedEvents: last && first ? last.sequenceNumber - first.sequenceNumber + 1 : 0,
    retainedBytes: first ? log.nextOffset - first.offset : 0,
    newest,
  };
}

function bodyPreview(event: StoredEvent): Omit<EventPreview, 'sequenceNumber' | 'offset' | 'enqueuedTime' | 'partitionKey'> {
  let value: Buffer;
  try {
    value = eventToRecord(event).value ?? Buffer.alloc(0);
  } catch {
    return { size: event.message.byteLength, preview: '(not a readable AMQP message)', truncated: false };
  }
  const limit = EVENTHUBS_SNAPSHOT_LIMITS.previewChars;
  const head = value.subarray(0, limit * 4);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head.length < value.length ? trimPartialUtf8(head) : head);
  } catch {
    const bytes = value.subarray(0, limit / 4);
    text = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
    return { size: value.length, preview: text, truncated: value.length > bytes.length };
  }
  return { size: value.length, preview: text.slice(0, limit), truncated: text.length > limit || head.length < value.length };
}

/** Drops an incomplete UTF-8 sequence at the end of a cut, so a cut body still decodes. */
function trimPartialUtf8(bytes: Buffer): Buffer {
  let end = bytes.length;
  let back = 0;
  while (end - back - 1 >= 0 && back < 3 && (bytes[end - back - 1]! & 0xc0) === 0x80) back++;
  const lead = bytes[end - back - 1];
  if (lead !== undefined && lead >= 0xc0) {
    const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (back + 1 < needed) end -= back + 1;
  }
  return bytes.subarray(0, end);
}

/** Ownership keys are `hub/consumergroups/cg/partitions/id`, lowercase (consumer-attach.ts). */
function receiversByHub(epochs: EpochRegistry): Map<string, Map<string, ConsumerGroupView['receivers']>> {
  const byHub = new Map<string, Map<string, ConsumerGroupView['receivers']>>();
  for (const [key, owners] of epochs.entries()) {
    const match = /^(.+)\/consumergroups\/(.+)\/partitions\/(\d+)$/.exec(key);
    if (!match) continue;
    const [, hub, group, partitionId] = match as unknown as [string, string, string, string];
    let groups = byHub.get(hub);
    if (!groups) byHub.set(hub, (groups = new Map()));
    let list = groups.get(group);
    if (!list) groups.set(group, (list = []));
    for (const owner of owners) list.push({ partitionId, name: owner.name, ...(owner.epoch === undefined ? {} : { epoch: owner.epoch }) });
  }
  return byHub;
}

function kafkaGroupView(group: Group): KafkaGroupView {
  const { state, members } = group.describe();
  return {
    id: group.id,
    state,
    generation: group.generation,
    protocol: group.protocolName,
    leader: group.leader,
    members: members.slice(0, EVENTHUBS_SNAPSHOT_LIMITS.kafkaMembersPerGroup).map((member) => ({ id: member.id, clientId: member.clientId, clientHost: member.clientHost })),
    memberCount: members.length,
  };
}
