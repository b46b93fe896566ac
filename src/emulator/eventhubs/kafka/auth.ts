import { parseServiceBusConnectionString } from '../../../core/connection-string.js';
import { findRule, ruleWithKey, tokenKeyName, verifyWithRule, type SasRule } from '../../host/sas-rules.js';
import { ConnectionGrants, type Claim } from '../cbs.js';

// SASL PLAIN as the service takes it (https://learn.microsoft.com/azure/event-hubs/azure-event-hubs-kafka-overview
// "Shared Access Signature"): username `$ConnectionString`, password a namespace or event hub
// connection string. Its key, or its SharedAccessSignature, is checked against the emulator's
// policies (the host's rule model, src/emulator/host/sas-rules.ts: names case-insensitive, primary
// or secondary key, keys compared in constant time); an EntityPath narrows the grant to that hub,
// as a hub-level policy would.

export const KAFKA_SASL_USERNAME = '$ConnectionString';
const ALL: ReadonlySet<Claim> = new Set(['Manage', 'Send', 'Listen']);

export interface KafkaAuthOptions {
  rules: readonly SasRule[];
  acceptAnyToken: boolean;
}

/** RFC 4616: authzid NUL authcid NUL passwd. */
export function parsePlain(token: Buffer): { username: string; password: string } | undefined {
  const fields = token.toString('utf8').split('\u0000');
  return fields.length === 3 ? { username: fields[1]!, password: fields[2]! } : undefined;
}

/** The grants a PLAIN login earns, or undefined when it is refused. Never echoes the password. */
export async function plainLogin(options: KafkaAuthOptions, username: string, password: string): Promise<ConnectionGrants | undefined> {
  const grants = new ConnectionGrants();
  if (options.acceptAnyToken) {
    grants.add({ path: '', claims: ALL, expiresAt: Number.POSITIVE_INFINITY });
    return grants;
  }
  if (username !== KAFKA_SASL_USERNAME) return undefined;
  let parsed;
  try {
    parsed = parseServiceBusConnectionString(password);
  } catch {
    return undefined;
  }
  const path = parsed.entityPath?.toLowerCase() ?? '';
  if (parsed.sharedAccessKeyName !== undefined && parsed.sharedAccessKey !== undefined) {
    const rule = ruleWithKey(options.rules, parsed.sharedAccessKeyName, parsed.sharedAccessKey);
    if (!rule) return undefined;
    grants.add({ path, claims: rule.rights, expiresAt: Number.POSITIVE_INFINITY });
    return grants;
  }
  if (parsed.sharedAccessSignature !== undefined) {
    try {
      const keyName = tokenKeyName(parsed.sharedAccessSignature);
      const rule = keyName === undefined ? undefined : findRule([options.rules], keyName);
      if (!rule) return undefined;
      const token = await verifyWithRule(parsed.sharedAccessSignature, rule);
      const audiencePath = new URL(token.resourceUri.includes('://') ? token.resourceUri : `sb://${token.resourceUri}`).pathname;
      grants.add({ path: audiencePath.replace(/^\/+|\/+$/g, '').toLowerCase(), claims: rule.rights, expiresAt: token.expiresAt * 1000 });
      return grants;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
