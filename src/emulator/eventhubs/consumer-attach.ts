import type { Sender } from 'rhea';
import type { CbsAuthority, ConnectionGrants } from './cbs.js';
import type { EntityPath } from './entity-path.js';
import type { EpochRegistry } from './epochs.js';
import { FilterError, parseSelector, resolveStart, SELECTOR_FILTER, selectorFrom, type StartPosition } from './filter.js';
import { echoTermini, internals, refuseLink } from './link-helpers.js';
import type { EventHubsNamespace } from './namespace.js';
import { ConsumerLink, epochFrom, RUNTIME_METRIC_CAPABILITY, wantsRuntimeMetrics } from './receiver-link.js';
import { badPartition, notFound } from './sender-link.js';

// Attach of a consumer link `<hub>/ConsumerGroups/<cg>/Partitions/<id>` (docs/protocol/eventhubs.md §6): checks the
// entity, the Listen claim, the start filter and epoch ownership, in that order, and answers
// with the errors the SDK maps (not-found, argument-out-of-range, unauthorized, stolen).

interface ConsumerAttachOptions {
  link: Sender;
  entity: EntityPath;
  namespace: EventHubsNamespace;
  authority: CbsAuthority;
  grants: ConnectionGrants;
  registry: EpochRegistry;
}

export function openConsumer(options: ConsumerAttachOptions): ConsumerLink | undefined {
  const { link, entity, namespace, authority, grants, registry } = options;
  if (entity.kind !== 'consumer') {
    return refuseLink(link, notFound(authority, 'path' in entity ? entity.path : 'hub' in entity ? entity.hub : ''));
  }
  const hub = namespace.hub(entity.hub);
  if (!hub) return refuseLink(link, notFound(authority, entity.hub));
  const consumerGroup = hub.consumerGroup(entity.consumerGroup);
  if (!consumerGroup) return refuseLink(link, notFound(authority, `${hub.name}/consumergroups/${entity.consumerGroup}`));
  const partition = hub.partition(entity.partitionId);
  if (!partition) return refuseLink(link, badPartition(hub));
  const path = `${hub.name}/ConsumerGroups/${consumerGroup}/Partitions/${partition.id}`;
  const denied = authority.authorize(grants, path, 'Listen');
  if (denied) return refuseLink(link, denied);

  const attach = internals(link).remote.attach!;
  let position: StartPosition | undefined;
  try {
    const selector = selectorFrom(attach.source?.filter) ?? selectorByDescriptor(attach.source?.filter);
    position = selector === undefined ? undefined : parseSelector(selector);
  } catch (error) {
    if (!(error instanceof FilterError)) throw error;
    return refuseLink(link, { condition: 'amqp:invalid-field', description: error.message });
  }
  const runtimeMetrics = wantsRuntimeMetrics(attach.desired_capabilities);
  const consumer = new ConsumerLink({
    link,
    partition,
    ownershipKey: path.toLowerCase(),
    start: resolveStart(position, partition.log),
    epoch: epochFrom(attach.properties),
    runtimeMetrics,
    registry,
  });
  const refusal = registry.claim(path.toLowerCase(), consumer);
  if (refusal) {
    consumer.dispose();
    return refuseLink(link, refusal);
  }
  echoTermini(link);
  // Pre-settled transfers: Event Hubs consumers need no dispositions (docs/protocol/eventhubs.md §6.1).
  internals(link).local.attach.snd_settle_mode = 1;
  if (runtimeMetrics) internals(link).local.attach.offered_capabilities = [RUNTIME_METRIC_CAPABILITY];
  return consumer;
}

/**
 * A selector filter under another name in the filter-set (Qpid Proton's `Selector` uses the key
 * "selector"): AMQP 1.0 §3.5.8 types a filter by its descriptor, the key is only a name. The SDKs
 * all use the descriptor as the key; that the service also finds it by descriptor is our guess [U].
 */
function selectorByDescriptor(filter: unknown): string | undefined {
  if (!filter || typeof filter !== 'object') return undefined;
  for (const entry of Object.values(filter as Record<string, unknown>)) {
    const described = entry as { descriptor?: unknown; value?: unknown } | null;
    const descriptor = (described?.descriptor as { value?: unknown } | undefined)?.value ?? described?.descriptor;
    if (String(descriptor) !== SELECTOR_FILTER) continue;
    const value = described!.value;
    const text = typeof value === 'string' ? value : (value as { value?: unknown } | undefined)?.value;
    if (typeof text === 'string') return text;
  }
  return undefined;
}
