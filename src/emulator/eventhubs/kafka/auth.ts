import { timingSafeEqual } from 'node:crypto';
import { parseServiceBusConnectionString } from '../../../core/connection-string.js';
import { verifySasToken } from '../../../core/sas.js';
import { nodeHmac } from '../../../node/hmac.js';
import { ConnectionGrants, type Claim, type SharedAccessPolicy } from '../cbs.js';

// SASL PLAIN as the service takes it (https://learn.microsoft.com/azure/event-hubs/azure-event-hubs-kafka-overview
// "Shared Access Signature"): username `$ConnectionString`, password a namespace or event hub
// connection string. Its key is checked against the emulator's policies in constant time; an
// EntityPath narrows the grant to that hub, as a hub-level policy would.

export const KAFKA_SASL_USERNAME = '$ConnectionString';
const ALL: ReadonlySet<Claim> = new Set(['Manage', 'Send', 'Listen']);

export interface KafkaAuthOptions {
  policies: SharedAccessPolicy[];
  acceptAnyToken: boolean;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  // Compare equal lengths only, so the time spent does not depend on where they differ.
  return a.length === b.length ? timingSafeEqual(a, b) : timingSafeEqual(b, b) && false;
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
    let match: SharedAccessPolicy | undefined;
    for (const policy of options.policies) {
      // Check every policy with the same work, so the time does not tell which name exists.
      const nameMatches = policy.name === parsed.sharedAccessKeyName;
      if (sameSecret(parsed.sharedAccessKey, policy.key) && nameMatches) match = policy;
    }
    if (!match) return undefined;
    grants.add({ path, claims: new Set(match.rights), expiresAt: Number.POSITIVE_INFINITY });
    return grants;
  }
  if (parsed.sharedAccessSignature !== undefined) {
    try {
      const token = await verifySasToken(parsed.sharedAccessSignature, {
        getKey: (name) => options.policies.find((policy) => policy.name === name)?.key,
        hmac: nodeHmac,
      });
      const policy = options.policies.find((candidate) => candidate.name === token.keyName)!;
      const audiencePath = new URL(token.resourceUri.includes('://') ? token.resourceUri : `sb://${token.resourceUri}`).pathname;
      grants.add({ path: audiencePath.replace(/^\/+|\/+$/g, '').toLowerCase(), claims: new Set(policy.rights), expiresAt: token.expiresAt * 1000 });
      return grants;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
