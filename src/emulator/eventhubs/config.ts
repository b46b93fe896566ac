import { describeValue } from '../../core/errors.js';
import { resolveConfigOption } from '../host/config-file.js';
import { list } from '../host/config-values.js';
import { normalizeSasRules, withRootRule, type SasRule, type SasRuleConfig } from '../host/sas-rules.js';

// Namespace layout: hubs with partitions, consumer groups and retention, and the namespace's shared
// access policies. Accepts our own shape or Microsoft's emulator Config.json
// (`UserConfig.NamespaceConfig[0].Entities`, docs/protocol/eventhubs.md §10), so a file written for
// the Docker emulator works here unchanged; the host reads the file (src/emulator/host/config-file.ts).

export interface EventHubConfig {
  name: string;
  /** 1–1024; default 4. */
  partitionCount?: number;
  /** `$Default` is always present; names match case-insensitively (docs/protocol/eventhubs.md §6.1). */
  consumerGroups?: string[];
  /** How long events stay readable; default 24 h. */
  retentionHours?: number;
}

export interface EventHubsEmulatorConfig {
  /** Used in service-style error descriptions; default `emulatorns1`. */
  namespace?: string;
  /** Default: `eh1` with 4 partitions. */
  hubs?: EventHubConfig[];
  /**
   * Shared access policies besides RootManageSharedAccessKey (which stays unless redefined):
   * `{ name, primaryKey, secondaryKey?, rights }`, names case-insensitive, at most 12.
   */
  authorizationRules?: SasRuleConfig[];
  /** The same list under the option's name; give one of the two. */
  policies?: SasRuleConfig[];
}

export interface HubDefinition {
  name: string;
  partitionIds: string[];
  /** Lowercased name → name as configured. */
  consumerGroups: Map<string, string>;
  retentionMs: number;
  createdAt: Date;
}

export interface NamespaceDefinition {
  namespace: string;
  hubs: HubDefinition[];
}

export const DEFAULT_CONSUMER_GROUP = '$Default';
export const DEFAULT_RETENTION_HOURS = 24;
const MAX_PARTITIONS = 1024;
const ENTITY_NAME = /^[A-Za-z0-9$][A-Za-z0-9._$-]{0,255}$/;

export const DEFAULT_EVENTHUBS_CONFIG: EventHubsEmulatorConfig = {
  hubs: [{ name: 'eh1', partitionCount: 4, consumerGroups: [DEFAULT_CONSUMER_GROUP] }],
};

function fail(message: string): never {
  throw new TypeError(`Event Hubs emulator config: ${message}`);
}

function checkName(kind: string, value: unknown): string {
  if (typeof value !== 'string' || !ENTITY_NAME.test(value)) {
    fail(`expected ${kind} name of letters, digits, ".", "_", "-", "$", got ${describeValue(value)}`);
  }
  return value;
}

/** Microsoft's Config.json → our shape; PartitionCount is a string there. */
function fromMicrosoftConfig(raw: Record<string, unknown>): EventHubsEmulatorConfig {
  const user = raw.UserConfig as { NamespaceConfig?: Array<{ Name?: string; Entities?: unknown[] }> } | undefined;
  const ns = user?.NamespaceConfig?.[0];
  if (!ns || !Array.isArray(ns.Entities)) fail('expected UserConfig.NamespaceConfig[0].Entities to be an array');
  return {
    ...(ns.Name ? { namespace: ns.Name } : {}),
    hubs: ns.Entities.map((entity) => {
      const e = entity as { Name?: unknown; PartitionCount?: unknown; ConsumerGroups?: Array<{ Name?: unknown }> };
      return {
        name: e.Name as string,
        partitionCount: Number(e.PartitionCount ?? 4),
        consumerGroups: (e.ConsumerGroups ?? []).map((group) => group.Name as string),
      };
    }),
  };
}

export function loadEventHubsConfig(source: EventHubsEmulatorConfig | string | undefined): EventHubsEmulatorConfig {
  const raw = resolveConfigOption('eventhubs', source);
  if (raw === undefined) return DEFAULT_EVENTHUBS_CONFIG;
  return 'UserConfig' in raw ? fromMicrosoftConfig(raw) : (raw as unknown as EventHubsEmulatorConfig);
}

/**
 * The namespace's shared access policies: the config's and the `policies` option's together,
 * validated into the host's rule model, with the root rule in front unless they redefine it.
 */
export function resolvePolicies(config: EventHubsEmulatorConfig, extra: readonly SasRuleConfig[] = []): SasRule[] {
  if (config.authorizationRules !== undefined && config.policies !== undefined) fail('expected authorizationRules or policies, not both');
  const configured = list('authorizationRules', config.authorizationRules ?? config.policies);
  return withRootRule(normalizeSasRules('authorizationRules', [...configured, ...list('the policies option', extra)]));
}

export function resolveNamespace(config: EventHubsEmulatorConfig, now = new Date()): NamespaceDefinition {
  // A config that only sets policies (or the namespace name) serves the default hub.
  const configured = config.hubs ?? DEFAULT_EVENTHUBS_CONFIG.hubs;
  if (!Array.isArray(configured) || configured.length === 0) fail(`expected hubs to be a non-empty array, got ${describeValue(config.hubs)}`);
  const seen = new Set<string>();
  const hubs = configured.map((hub): HubDefinition => {
    const name = checkName('a hub', hub?.name);
    if (seen.has(name.toLowerCase())) fail(`expected unique hub names, got "${name}" twice`);
    seen.add(name.toLowerCase());
    const count = hub.partitionCount ?? 4;
    if (!Number.isInteger(count) || count < 1 || count > MAX_PARTITIONS) {
      fail(`expected partitionCount of hub "${name}" to be an integer 1–${MAX_PARTITIONS}, got ${describeValue(count)}`);
    }
    const retentionHours = hub.retentionHours ?? DEFAULT_RETENTION_HOURS;
    if (typeof retentionHours !== 'number' || !(retentionHours > 0)) {
      fail(`expected retentionHours of hub "${name}" > 0, got ${describeValue(retentionHours)}`);
    }
    const consumerGroups = new Map<string, string>([[DEFAULT_CONSUMER_GROUP.toLowerCase(), DEFAULT_CONSUMER_GROUP]]);
    for (const group of hub.consumerGroups ?? []) {
      consumerGroups.set(checkName('a consumer group', group).toLowerCase(), group);
    }
    return {
      name,
      partitionIds: Array.from({ length: count }, (_, index) => String(index)),
      consumerGroups,
      retentionMs: retentionHours * 3_600_000,
      createdAt: now,
    };
  });
  return { namespace: (config.namespace ?? 'emulatorns1').toLowerCase(), hubs };
}
