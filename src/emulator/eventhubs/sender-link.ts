import rhea, { type EventContext, type Message, type Receiver } from 'rhea';
import { AmqpDecodeError } from './amqp-sections.js';
import { decodeTransfer, eventsOf } from './batch.js';
import type { CbsAuthority, ConnectionGrants } from './cbs.js';
import type { EntityPath } from './entity-path.js';
import { IDEMPOTENT_CAPABILITY, IdempotentProducers } from './idempotent.js';
import { landDeliveries, releaseLanded } from './landing.js';
import { echoTermini, internals, refuseLink } from './link-helpers.js';
import type { Hub, EventHubsNamespace } from './namespace.js';
import type { Partition } from './partition.js';

// A producer's link: the emulator is the AMQP receiver. Attach to `<hub>` (the emulator picks
// the partition) or `<hub>/Partitions/<id>`; advertise max-message-size 1 MB (docs/protocol/eventhubs.md §5).
// Each transfer is appended (and, with --data-dir, written) before it is accepted.

export const MAX_MESSAGE_SIZE = 1024 * 1024;

interface ProducerOptions {
  link: Receiver;
  entity: EntityPath;
  namespace: EventHubsNamespace;
  authority: CbsAuthority;
  grants: ConnectionGrants;
  idempotent: IdempotentProducers;
}

interface IdempotentLink {
  producers: IdempotentProducers;
  producerId: number;
}

export function notFound(authority: CbsAuthority, path: string): { condition: string; description: string } {
  return { condition: 'amqp:not-found', description: `The messaging entity '${authority.resource(path)}' could not be found.` };
}

export function badPartition(hub: Hub): { condition: string; description: string } {
  return {
    condition: 'com.microsoft:argument-out-of-range',
    description: `The specified partition is invalid for an EventHub partition sender or receiver. It should be between 0 and ${hub.partitions.length - 1}.`,
  };
}

export class ProducerLink {
  constructor(
    private readonly link: Receiver,
    private readonly hub: Hub,
    private readonly partition: Partition | undefined,
    private readonly idempotent?: IdempotentLink,
  ) {}

  receive(context: EventContext): void {
    const format = (context as { format?: number }).format ?? 0;
    // rhea hands over raw bytes for a non-zero format (in a reused landing buffer, landing.ts);
    // a format-0 message arrives decoded.
    const raw = format === 0 ? undefined : (context.message as unknown as Buffer);
    try {
      this.accept(context, format, raw);
    } finally {
      // The log copied what it keeps: the landing buffer may take the next delivery.
      if (raw) releaseLanded(raw);
    }
  }

  private accept(context: EventContext, format: number, raw: Buffer | undefined): void {
    const delivery = context.delivery!;
    try {
      const payload = raw ?? rhea.message.encode(context.message as Message);
      if (payload.length > MAX_MESSAGE_SIZE) {
        delivery.reject({
          condition: 'amqp:link:message-size-exceeded',
          description: `The received message (delivery-id:${delivery.id}, size:${payload.length} bytes) exceeds the limit (${MAX_MESSAGE_SIZE} bytes) currently allowed on the link.`,
        });
        return;
      }
      const transfer = decodeTransfer(payload, format);
      const target = this.partition ?? this.hub.route(transfer.partitionKey);
      if (this.idempotent) {
        const verdict = this.idempotent.producers.judge(`${this.hub.name}/${target.id}`, this.idempotent.producerId, eventsOf(transfer.batch));
        if (verdict.kind === 'reject') return delivery.reject({ condition: verdict.condition, description: verdict.description });
        if (verdict.kind === 'duplicate') return delivery.accept();
      }
      target.appendBatch(transfer.batch);
      // Accepted only once durable under the --fsync policy (log/group-commit.ts).
      target.log.whenDurable((error) =>
        error ? delivery.reject({ condition: 'amqp:internal-error', description: `The event could not be stored: ${error.message}` }) : delivery.accept(),
      );
    } catch (error) {
      const decode = error instanceof AmqpDecodeError;
      delivery.reject({
        condition: decode ? 'amqp:decode-error' : 'amqp:internal-error',
        description: decode ? error.message : `The event could not be stored: ${(error as Error).message}`,
      });
    }
  }

  get name(): string {
    return this.link.name;
  }
}

export function openProducer(options: ProducerOptions): ProducerLink | undefined {
  const { link, entity, namespace, authority, grants } = options;
  if (entity.kind !== 'hub' && entity.kind !== 'partition') {
    return refuseLink(link, notFound(authority, entity.kind === 'unknown' ? entity.path : ''));
  }
  const hub = namespace.hub(entity.hub);
  if (!hub) return refuseLink(link, notFound(authority, entity.hub));
  let partition: Partition | undefined;
  if (entity.kind === 'partition') {
    partition = hub.partition(entity.partitionId);
    if (!partition) return refuseLink(link, badPartition(hub));
  }
  const path = partition ? `${hub.name}/Partitions/${partition.id}` : hub.name;
  const denied = authority.authorize(grants, path, 'Send');
  if (denied) return refuseLink(link, denied);
  const attach = internals(link).remote.attach!;
  const desired = Array.isArray(attach.desired_capabilities) ? attach.desired_capabilities : [attach.desired_capabilities];
  let idempotent: IdempotentLink | undefined;
  if (desired.includes(IDEMPOTENT_CAPABILITY)) {
    if (!partition) {
      return refuseLink(link, { condition: 'amqp:not-allowed', description: 'Idempotent publishing needs a partition sender (<hub>/Partitions/<id>).' });
    }
    const answer = options.idempotent.attach(`${hub.name}/${partition.id}`, attach.properties);
    idempotent = { producers: options.idempotent, producerId: answer.producerId };
    internals(link).local.attach.properties = IdempotentProducers.linkProperties(answer);
    internals(link).local.attach.offered_capabilities = [IDEMPOTENT_CAPABILITY];
  }
  echoTermini(link);
  internals(link).local.attach.max_message_size = MAX_MESSAGE_SIZE;
  landDeliveries(link);
  return new ProducerLink(link, hub, partition, idempotent);
}
