import type { Message } from 'rhea';
import { amqpTypes } from './amqp-sections.js';
import type { CbsAuthority, ConnectionGrants } from './cbs.js';
import type { EventHubsNamespace } from './namespace.js';

// `$management` READ requests (docs/protocol/eventhubs.md §4): `com.microsoft:eventhub` and `com.microsoft:partition`.
// Responses carry status-code 200 and an amqp-value map; errors carry the status, description
// and error-condition the SDK maps to its error codes (docs/protocol/eventhubs.md §7).

export interface ManagementReply {
  application_properties: Record<string, unknown>;
  body?: unknown;
}

function failure(status: number, condition: string, description: string): ManagementReply {
  return {
    application_properties: {
      'status-code': amqpTypes.wrap_int(status),
      'status-description': description,
      'error-condition': condition,
    },
  };
}

function success(body: Record<string, unknown>): ManagementReply {
  return { application_properties: { 'status-code': amqpTypes.wrap_int(200), 'status-description': 'OK' }, body };
}

export function handleManagementRequest(
  namespace: EventHubsNamespace,
  authority: CbsAuthority,
  grants: ConnectionGrants,
  request: Message,
): ManagementReply {
  const props = (request.application_properties ?? {}) as Record<string, unknown>;
  const operation = props.operation;
  if (operation !== 'READ') {
    return failure(400, 'amqp:not-implemented', `The operation '${String(operation)}' is not supported by the Event Hubs emulator; only READ is.`);
  }
  const name = props.name;
  if (typeof name !== 'string' || name === '') return failure(400, 'amqp:invalid-field', "The 'name' application property is required.");
  const hub = namespace.hub(name);
  if (!hub) return failure(404, 'amqp:not-found', `The messaging entity '${authority.resource(name)}' could not be found.`);
  // Any claim may read runtime information; a producer with a Send-only key calls getPartitionIds ([U]).
  const path = `${hub.name}/$management`;
  const denied = ['Listen', 'Send', 'Manage'].every((claim) => authority.authorize(grants, path, claim as 'Listen') !== undefined);
  if (denied) return failure(401, 'amqp:unauthorized-access', authority.authorize(grants, path, 'Listen')!.description);

  if (props.type === 'com.microsoft:eventhub') {
    return success({
      name: hub.name,
      created_at: hub.definition.createdAt,
      partition_count: amqpTypes.wrap_int(hub.partitions.length),
      partition_ids: hub.definition.partitionIds,
    });
  }
  if (props.type === 'com.microsoft:partition') {
    const id = props.partition;
    const partition = typeof id === 'string' ? hub.partition(id) : undefined;
    if (!partition) {
      return failure(
        400,
        'com.microsoft:argument-out-of-range',
        `The specified partition is invalid for an EventHub partition sender or receiver. It should be between 0 and ${hub.partitions.length - 1}.`,
      );
    }
    const info = partition.properties();
    return success({
      name: hub.name,
      partition: partition.id,
      begin_sequence_number: amqpTypes.wrap_long(info.beginSequenceNumber),
      last_enqueued_sequence_number: amqpTypes.wrap_long(info.lastEnqueuedSequenceNumber),
      last_enqueued_offset: info.lastEnqueuedOffset,
      last_enqueued_time_utc: info.lastEnqueuedTime,
      is_partition_empty: info.isEmpty,
    });
  }
  return failure(400, 'amqp:invalid-field', `The management type '${String(props.type)}' is not supported; expected com.microsoft:eventhub or com.microsoft:partition.`);
}
