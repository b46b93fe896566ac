import { isRealtimeError } from '../../core/errors.js';
import { sasAudienceCovers, type ParsedSasToken } from '../../core/sas.js';
import { findRule, tokenKeyName, verifyWithRule, type SasRule } from '../host/sas-rules.js';
import type { RelayClaim } from './config.js';
import { hostnameOf, type HybridConnection } from './entities.js';
import { audienceOf, VerifiedTokens } from '../host/verified-tokens.js';

// SAS checks for every entry point (docs/protocol/relay.md §2): signature with the rule's key (primary or
// secondary), expiry, audience (sr must be the entity or a parent), then the claim the action
// needs. Entity-level rules are consulted before namespace-level ones of the same name.

export interface AuthFailure {
  status: 401 | 403;
  message: string;
}

export type AuthOutcome = { ok: true; token?: ParsedSasToken } | ({ ok: false } & AuthFailure);

export interface AuthorizeOptions {
  entity: HybridConnection;
  token: string | undefined;
  claim: RelayClaim;
  /** The Host header of the request: its host name is one accepted audience host. */
  hostHeader: string | undefined;
  now?: number;
  /** Tokens already verified (default: one table for the process; entries are tied to their rule object). */
  verified?: VerifiedTokens<RelayTokenProof>;
}

/** A Relay token's check: what it said, and the rule whose key verified it. */
export interface RelayTokenProof {
  rule: SasRule;
  parsed: ParsedSasToken;
}

const VERIFIED = new VerifiedTokens<RelayTokenProof>();

/**
 * The emulator answers for a namespace under several names (loopback, the namespace FQDN, a hosts
 * entry), so the audience host may be any of them; the path must still cover the entity.
 */
function audienceMatches(token: ParsedSasToken, entity: HybridConnection, hostHeader: string | undefined): boolean {
  const hosts = new Set([hostnameOf(hostHeader), entity.namespace.host, '127.0.0.1', 'localhost']);
  return [...hosts].some((host) => host !== '' && sasAudienceCovers(token.resourceUri, `http://${host}/${entity.name}`));
}

export async function authorize(options: AuthorizeOptions): Promise<AuthOutcome> {
  const { entity, token, claim } = options;
  if (!token) return { ok: false, status: 401, message: `A ${claim} token is required (sb-hc-token or ServiceBusAuthorization).` };
  let parsed: ParsedSasToken;
  try {
    const keyName = tokenKeyName(token);
    // Entity-level rules before namespace-level ones of the same name.
    const rule = keyName === undefined ? undefined : findRule([entity.spec.rules, entity.namespace.rules], keyName);
    if (!rule) return { ok: false, status: 401, message: 'InvalidSignature: the token names no known shared access rule.' };
    const verified = options.verified ?? VERIFIED;
    const now = options.now ?? Date.now();
    // The same token on every request: its signature is checked once, its expiry every time.
    let entry = verified.get(token, now, (proof) => proof.rule === rule);
    if (!entry) {
      const checked = await verifyWithRule(token, rule, { now });
      entry = verified.add(token, { rule, parsed: checked }, checked.expiresAt * 1000);
    }
    const checked = entry.proof.parsed;
    parsed = checked;
    const audienceKey = `${options.hostHeader ?? ''}\n${entity.namespace.host}\n${entity.name}`;
    if (!audienceOf(entry, audienceKey, () => audienceMatches(checked, entity, options.hostHeader))) {
      return { ok: false, status: 403, message: `The token's audience does not cover the hybrid connection '${entity.name}'.` };
    }
    if (!rule.rights.has(claim)) {
      return { ok: false, status: 403, message: `Unauthorized access. '${claim}' claim(s) are required to perform this operation.` };
    }
  } catch (error) {
    if (isRealtimeError(error, 'expired_token')) return { ok: false, status: 401, message: 'ExpiredToken: the token has expired.' };
    if (isRealtimeError(error, 'invalid_token')) return { ok: false, status: 401, message: 'MalformedToken: the token could not be parsed.' };
    return { ok: false, status: 401, message: 'InvalidSignature: the token has an invalid signature.' };
  }
  return { ok: true, token: parsed };
}
