import { safeDecodeURIComponent, timingSafeEqual } from '../../core/encoding.js';
import { isRealtimeError } from '../../core/errors.js';
import { verifySasToken, type ParsedSasToken } from '../../core/sas.js';
import { nodeHmac } from '../../node/hmac.js';
import { EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../defaults.js';
import { configError, list, record, text } from './config-values.js';

// One shared-access-rule model for Relay and Event Hubs (docs/protocol/relay.md §2): a rule has a
// name, a primary and an optional secondary key, and rights among Listen, Send and Manage, where
// Manage includes the other two. Rule names compare case-insensitively, as the portal treats them.

export type SasRight = 'Listen' | 'Send' | 'Manage';
export const SAS_RIGHTS: readonly SasRight[] = ['Listen', 'Send', 'Manage'];

/** A rule as a config file or an option writes it; `key` is accepted for `primaryKey`. */
export interface SasRuleConfig {
  name: string;
  primaryKey?: string;
  key?: string;
  secondaryKey?: string;
  rights: SasRight[];
}

export interface SasRule {
  readonly name: string;
  /** Primary first, then the secondary if any. */
  readonly keys: readonly string[];
  /** With Manage expanded: a Manage rule also holds Listen and Send. */
  readonly rights: ReadonlySet<SasRight>;
}

/** The service allows at most 12 rules per namespace or entity. */
export const MAX_RULES_PER_LEVEL = 12;

export const ROOT_RULE: SasRule = { name: EMULATOR_KEY_NAME, keys: [EMULATOR_SAS_KEY], rights: new Set(SAS_RIGHTS) };

export function normalizeSasRule(where: string, raw: unknown): SasRule {
  const rule = record(where, raw) as Partial<SasRuleConfig>;
  const rights = list(`${where}.rights`, rule.rights).map((right, i) => {
    const match = SAS_RIGHTS.find((known) => typeof right === 'string' && known.toLowerCase() === right.toLowerCase());
    if (!match) configError(`${where}.rights[${i}]`, 'Listen, Send or Manage', right);
    return match;
  });
  if (rights.includes('Manage')) rights.push('Listen', 'Send');
  const primary = rule.primaryKey ?? rule.key;
  const keys = [text(`${where}.primaryKey`, primary)];
  if (rule.secondaryKey !== undefined) keys.push(text(`${where}.secondaryKey`, rule.secondaryKey));
  return { name: text(`${where}.name`, rule.name), keys, rights: new Set(rights) };
}

export function normalizeSasRules(where: string, raw: unknown): SasRule[] {
  const rules = list(where, raw).map((rule, i) => normalizeSasRule(`${where}[${i}]`, rule));
  if (rules.length > MAX_RULES_PER_LEVEL) {
    throw new RangeError(`emulator config: expected at most ${MAX_RULES_PER_LEVEL} rules in ${where}, got ${rules.length}`);
  }
  const names = new Set<string>();
  for (const rule of rules) {
    const lower = rule.name.toLowerCase();
    if (names.has(lower)) throw new TypeError(`emulator config: expected unique rule names in ${where}, got ${rule.name} twice`);
    names.add(lower);
  }
  return rules;
}

/** Namespace rules with the well-known root rule in front unless the config redefines its name. */
export function withRootRule(rules: readonly SasRule[]): SasRule[] {
  return findRule([rules], ROOT_RULE.name) ? [...rules] : [ROOT_RULE, ...rules];
}

/** The first rule of that name, looking at the levels in order (entity before namespace). */
export function findRule(levels: ReadonlyArray<readonly SasRule[]>, keyName: string): SasRule | undefined {
  const wanted = keyName.toLowerCase();
  for (const level of levels) {
    const found = level.find((rule) => rule.name.toLowerCase() === wanted);
    if (found) return found;
  }
  return undefined;
}

/**
 * The rule of that name holding that key (primary or secondary), for logins that present the key
 * itself (SASL PLAIN, a Kafka connection string). Every key of every rule is compared, in constant
 * time, so the time taken tells neither which names exist nor how much of a key was right.
 */
export function ruleWithKey(rules: readonly SasRule[], keyName: string, key: string): SasRule | undefined {
  const wanted = keyName.toLowerCase();
  let match: SasRule | undefined;
  for (const rule of rules) {
    const named = rule.name.toLowerCase() === wanted;
    for (const candidate of rule.keys) if (timingSafeEqual(candidate, key) && named) match ??= rule;
  }
  return match;
}

/** The `skn` a token names, without verifying anything; undefined when it names none. */
export function tokenKeyName(token: string): string | undefined {
  const raw = /[?&\s]skn=([^&\s]*)/i.exec(` ${token}`)?.[1];
  return raw === undefined ? undefined : safeDecodeURIComponent(raw);
}

/** Verifies a SAS token against a rule's keys (primary, then secondary on a signature mismatch). */
export async function verifyWithRule(token: string, rule: SasRule, options: { audience?: string; now?: number } = {}): Promise<ParsedSasToken> {
  let lastError: unknown;
  for (const key of rule.keys) {
    try {
      return await verifySasToken(token, {
        getKey: () => key,
        hmac: nodeHmac,
        ...(options.audience !== undefined ? { audience: options.audience } : {}),
        ...(options.now !== undefined ? { now: options.now } : {}),
      });
    } catch (error) {
      lastError = error;
      if (!isRealtimeError(error, 'unauthorized')) throw error;
    }
  }
  throw lastError;
}
