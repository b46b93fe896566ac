import { readFile } from 'node:fs/promises';
import { describeValue } from '../../core/errors.js';
import { EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../defaults.js';

// The emulator's entity configuration: namespaces, hybrid connections and SAS rules, as the
// portal/ARM would define them (docs/protocol/relay.md §2: rules with Listen/Send/Manage at namespace and
// entity level). Everything is optional: with no config, one namespace exists and any path is
// created on first use with client authorization required (the service's default).
export type RelayClaim = 'Listen' | 'Send' | 'Manage';
const CLAIMS: readonly RelayClaim[] = ['Listen', 'Send', 'Manage'];

export interface SasRuleConfig {
  name: string;
  primaryKey: string;
  secondaryKey?: string;
  rights: RelayClaim[];
}

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

export interface SasRule {
  name: string;
  keys: string[];
  rights: ReadonlySet<RelayClaim>;
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

function fail(where: string, expected: string, value: unknown): never {
  throw new TypeError(`relay emulator config: expected ${where} to be ${expected}, got ${describeValue(value)}`);
}

function text(where: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') fail(where, 'a non-empty string', value);
  return value;
}

function flag(where: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(where, 'a boolean', value);
  return value;
}

function list(where: string, value: unknown): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(where, 'an array', value);
  return value;
}

function normalizeRule(where: string, raw: unknown): SasRule {
  if (typeof raw !== 'object' || raw === null) fail(where, 'an object', raw);
  const rule = raw as Partial<SasRuleConfig>;
  const rights = list(`${where}.rights`, rule.rights).map((right, i) => {
    const claim = CLAIMS.find((c) => typeof right === 'string' && c.toLowerCase() === right.toLowerCase());
    if (!claim) fail(`${where}.rights[${i}]`, 'Listen, Send or Manage', right);
    return claim;
  });
  // Manage implies Listen and Send on the service (docs/protocol/relay.md §2).
  if (rights.includes('Manage')) rights.push('Listen', 'Send');
  const keys = [text(`${where}.primaryKey`, rule.primaryKey)];
  if (rule.secondaryKey !== undefined) keys.push(text(`${where}.secondaryKey`, rule.secondaryKey));
  return { name: text(`${where}.name`, rule.name), keys, rights: new Set(rights) };
}

function rules(where: string, raw: unknown): SasRule[] {
  const out = list(where, raw).map((rule, i) => normalizeRule(`${where}[${i}]`, rule));
  // At most 12 rules per level on the service (docs/protocol/relay.md §2).
  if (out.length > 12) throw new RangeError(`relay emulator config: expected at most 12 rules in ${where}, got ${out.length}`);
  return out;
}

const ROOT_RULE: SasRule = { name: EMULATOR_KEY_NAME, keys: [EMULATOR_SAS_KEY], rights: new Set(CLAIMS) };

function normalizeNamespace(where: string, raw: unknown, autoCreateDefault: boolean): NamespaceSpec {
  if (typeof raw !== 'object' || raw === null) fail(where, 'an object', raw);
  const ns = raw as Partial<NamespaceConfig>;
  const name = text(`${where}.name`, ns.name);
  const namespaceRules = rules(`${where}.authorizationRules`, ns.authorizationRules);
  // The well-known root rule is always there unless the config redefines that name.
  if (!namespaceRules.some((rule) => rule.name.toLowerCase() === ROOT_RULE.name.toLowerCase())) namespaceRules.unshift(ROOT_RULE);
  const hybridConnections = list(`${where}.hybridConnections`, ns.hybridConnections).map((entry, i) => {
    const at = `${where}.hybridConnections[${i}]`;
    if (typeof entry !== 'object' || entry === null) fail(at, 'an object', entry);
    const hc = entry as Partial<HybridConnectionConfig>;
    return {
      name: text(`${at}.name`, hc.name).replace(/^\/+|\/+$/g, ''),
      requiresClientAuthorization: flag(`${at}.requiresClientAuthorization`, hc.requiresClientAuthorization, true),
      httpEnabled: flag(`${at}.httpEnabled`, hc.httpEnabled, true),
      rules: rules(`${at}.authorizationRules`, hc.authorizationRules),
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

/** Validates a config object (or reads a JSON file) into namespace specs; the first is the default namespace. */
export async function loadRelayConfig(config: RelayEmulatorConfig | string | undefined, defaultNamespace = DEFAULT_NAMESPACE): Promise<NamespaceSpec[]> {
  let raw: unknown = config ?? {};
  if (typeof config === 'string') {
    try {
      raw = JSON.parse(await readFile(config, 'utf8'));
    } catch (cause) {
      throw new TypeError(`relay emulator config: could not read JSON from ${config}: ${(cause as Error).message}`, { cause });
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('the config', 'an object', raw);
  const top = raw as RelayEmulatorConfig;
  const autoCreate = flag('autoCreateHybridConnections', top.autoCreateHybridConnections, true);
  const namespaces = list('namespaces', top.namespaces).map((ns, i) => normalizeNamespace(`namespaces[${i}]`, ns, autoCreate));
  if (namespaces.length === 0) namespaces.push(normalizeNamespace('namespace', { name: defaultNamespace }, autoCreate));
  const hosts = new Set<string>();
  for (const ns of namespaces) {
    if (hosts.has(ns.host)) throw new TypeError(`relay emulator config: expected unique namespace names, got ${ns.host} twice`);
    hosts.add(ns.host);
  }
  return namespaces;
}
