import { resolveConfigOption } from '../host/config-file.js';
import { flag, list, record, text } from '../host/config-values.js';
import { normalizeSasRules, withRootRule, type SasRight, type SasRule, type SasRuleConfig } from '../host/sas-rules.js';

// The emulator's entity configuration: namespaces, hybrid connections and SAS rules, as the
// portal/ARM would define them (docs/protocol/relay.md §2: rules with Listen/Send/Manage at namespace and
// entity level; the rule model is the host's, src/emulator/host/sas-rules.ts). Everything is
// optional: with no config, one namespace exists and any path is created on first use with client
// authorization required (the service's default).

/** The Relay name of a shared-access right. */
export type RelayClaim = SasRight;
export type { SasRule, SasRuleConfig };

export interface HybridConnectionConfig {
  name: string;
  /** Default true, as on the service. When false, senders need no token. */
  requiresClientAuthorization?: boolean;
  /** Default true. When false, plain HTTP requests to the entity get 404. */
  httpEnabled?: boolean;
  authorizationRules?: SasRuleConfig[];
}

export interface NamespaceConfig {
  /** Short name (`contoso` → contoso.servicebus.windows.net) or a full host name. */
  name: string;
  authorizationRules?: SasRuleConfig[];
  hybridConnections?: HybridConnectionConfig[];
  /** Overrides the top-level setting for this namespace. */
  autoCreateHybridConnections?: boolean;
}

export interface RelayEmulatorConfig {
  namespaces?: NamespaceConfig[];
  /** Default true: unknown paths exist on first use. When false they get 404. */
  autoCreateHybridConnections?: boolean;
}

export interface HybridConnectionSpec {
  name: string;
  requiresClientAuthorization: boolean;
  httpEnabled: boolean;
  rules: SasRule[];
}

export interface NamespaceSpec {
  name: string;
  host: string;
  rules: SasRule[];
  hybridConnections: HybridConnectionSpec[];
  autoCreate: boolean;
}

export const DEFAULT_NAMESPACE = 'emulator';
const SERVICE_BUS_SUFFIX = '.servicebus.windows.net';

export function namespaceHost(name: string): string {
  const lower = name.toLowerCase();
  return lower.includes('.') ? lower : `${lower}${SERVICE_BUS_SUFFIX}`;
}

function normalizeNamespace(where: string, raw: unknown, autoCreateDefault: boolean): NamespaceSpec {
  const ns = record(where, raw) as Partial<NamespaceConfig>;
  const name = text(`${where}.name`, ns.name);
  // The well-known root rule is always there unless the config redefines that name.
  const namespaceRules = withRootRule(normalizeSasRules(`${where}.authorizationRules`, ns.authorizationRules));
  const hybridConnections = list(`${where}.hybridConnections`, ns.hybridConnections).map((entry, i) => {
    const at = `${where}.hybridConnections[${i}]`;
    const hc = record(at, entry) as Partial<HybridConnectionConfig>;
    return {
      name: text(`${at}.name`, hc.name).replace(/^\/+|\/+$/g, ''),
      requiresClientAuthorization: flag(`${at}.requiresClientAuthorization`, hc.requiresClientAuthorization, true),
      httpEnabled: flag(`${at}.httpEnabled`, hc.httpEnabled, true),
      rules: normalizeSasRules(`${at}.authorizationRules`, hc.authorizationRules),
    };
  });
  return {
    name,
    host: namespaceHost(name),
    rules: namespaceRules,
    hybridConnections,
    autoCreate: flag(`${where}.autoCreateHybridConnections`, ns.autoCreateHybridConnections, autoCreateDefault),
  };
}

/**
 * Validates a config object, or reads a JSON file (ours, or a whole-emulator file with a `relay`
 * section), into namespace specs; the first is the default namespace.
 */
export async function loadRelayConfig(config: RelayEmulatorConfig | string | undefined, defaultNamespace = DEFAULT_NAMESPACE): Promise<NamespaceSpec[]> {
  const top = (resolveConfigOption('relay', config) ?? {}) as RelayEmulatorConfig;
  const autoCreate = flag('autoCreateHybridConnections', top.autoCreateHybridConnections, true);
  const namespaces = list('namespaces', top.namespaces).map((ns, i) => normalizeNamespace(`namespaces[${i}]`, ns, autoCreate));
  if (namespaces.length === 0) namespaces.push(normalizeNamespace('namespace', { name: defaultNamespace }, autoCreate));
  const hosts = new Set<string>();
  for (const ns of namespaces) {
    if (hosts.has(ns.host)) throw new TypeError(`emulator config: expected unique namespace names, got ${ns.host} twice`);
    hosts.add(ns.host);
  }
  return namespaces;
}
