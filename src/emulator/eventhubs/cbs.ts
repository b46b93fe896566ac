import { redactSecrets, isRealtimeError } from '../../core/errors.js';
import { findRule, ROOT_RULE, ruleWithKey, tokenKeyName, verifyWithRule, type SasRight, type SasRule, type SasRuleConfig } from '../host/sas-rules.js';
import { addressPath, parseEntityPath, pathCovers } from './entity-path.js';
import type { EventHubsNamespace } from './namespace.js';

// Claims-based security (docs/protocol/eventhubs.md §3). A client puts a token on `$cbs` for an audience, then
// attaches links under it; the emulator remembers per connection which paths were granted
// which claims until when, and checks them at attach (the SDK always puts the token first).
// Shared access policies are the host's rule model (src/emulator/host/sas-rules.ts), as Relay's:
// primary and secondary keys, names compared case-insensitively, Manage expanded at load.

export type Claim = SasRight;

/** A policy as an option or a config file gives it: `{ name, key | primaryKey, secondaryKey?, rights }`. */
export type SharedAccessPolicy = SasRuleConfig;

interface Grant {
  path: string;
  claims: ReadonlySet<Claim>;
  /** ms since the epoch. */
  expiresAt: number;
}

const SAS_TOKEN_PREFIX = 'SharedAccessSignature ';

const ALL_CLAIMS: ReadonlySet<Claim> = new Set(['Manage', 'Send', 'Listen']);

/**
 * Audiences one connection may hold tokens for at once: a client with one link per partition of
 * the largest hub (1,024) and every consumer group stays far below it. Past it the audience put
 * longest ago is forgotten (it was checked when its links attached).
 */
export const MAX_AUDIENCES_PER_CONNECTION = 4096;

export class ConnectionGrants {
  /** By lowercase audience path, oldest put first. */
  private readonly grants = new Map<string, Grant>();
  private everGranted = false;

  /**
   * A token put again for the same audience replaces the earlier one, as a renewal does: one
   * client re-putting one valid token 200,000 times grew the process by 130 MB when each was kept.
   */
  add(grant: Grant): void {
    const key = grant.path.toLowerCase();
    this.grants.delete(key);
    if (this.grants.size >= MAX_AUDIENCES_PER_CONNECTION) this.grants.delete(this.grants.keys().next().value!);
    this.grants.set(key, grant);
    this.everGranted = true;
  }

  /** Whether anything was ever granted (a token or SASL PLAIN): the handshake deadline's test. */
  get granted(): boolean {
    return this.everGranted;
  }

  /** Claims come with Manage already expanded to Send and Listen (sas-rules.ts). */
  allows(path: string, claim: Claim, now = Date.now()): boolean {
    for (const grant of this.grants.values()) {
      if (grant.expiresAt > now && pathCovers(grant.path, path) && grant.claims.has(claim)) return true;
    }
    return false;
  }
}

export interface PutTokenResult {
  status: number;
  description: string;
  condition?: string;
}

export interface AuthorityOptions {
  namespace: EventHubsNamespace;
  /** Validated rules (normalizeSasRules); default the root rule only. */
  rules?: readonly SasRule[];
  /** Accept every token and every attach, as Microsoft's Docker emulator does. */
  acceptAnyToken?: boolean;
}

export class CbsAuthority {
  readonly rules: readonly SasRule[];
  readonly acceptAnyToken: boolean;

  constructor(private readonly options: AuthorityOptions) {
    this.rules = options.rules ?? [ROOT_RULE];
    this.acceptAnyToken = options.acceptAnyToken ?? false;
  }

  /** "sb://<ns>/<path>" as the service writes resources in its error descriptions. */
  resource(path: string): string {
    return `sb://${this.options.namespace.name}/${path}`;
  }

  /** `undefined` when the audience names an entity that exists (or the namespace). */
  private missingEntity(path: string): string | undefined {
    const entity = parseEntityPath(path);
    if (entity.kind === 'namespace' || entity.kind === 'cbs' || entity.kind === 'management') return undefined;
    if (entity.kind === 'unknown' || !this.options.namespace.hub(entity.hub)) {
      return `The messaging entity '${this.resource(path)}' could not be found.`;
    }
    return undefined;
  }

  async putToken(grants: ConnectionGrants, request: { name: unknown; type: unknown; token: unknown }): Promise<PutTokenResult> {
    if (typeof request.name !== 'string' || typeof request.token !== 'string') {
      return { status: 400, condition: 'amqp:invalid-field', description: 'put-token needs a string "name" application property and a string token body.' };
    }
    const path = addressPath(request.name);
    const missing = this.missingEntity(path);
    if (missing) return { status: 404, condition: 'amqp:not-found', description: missing };
    if (this.acceptAnyToken) {
      grants.add({ path, claims: ALL_CLAIMS, expiresAt: Number.POSITIVE_INFINITY });
      return { status: 202, description: 'Accepted' };
    }
    // A SAS token is known by its form, whatever `type` says: Python's azure-eventhub puts its
    // SAS token with type "jwt", and the service accepts it (docs/protocol/eventhubs.md §3).
    if (request.type === 'jwt' && !request.token.startsWith(SAS_TOKEN_PREFIX)) {
      return {
        status: 401,
        condition: 'amqp:unauthorized-access',
        description: 'The emulator cannot verify Microsoft Entra ID tokens; use a shared access key, or start it with acceptAnyToken.',
      };
    }
    try {
      const keyName = tokenKeyName(request.token);
      const rule = keyName === undefined ? undefined : findRule([this.rules], keyName);
      if (!rule) return { status: 401, condition: 'amqp:unauthorized-access', description: 'InvalidSignature/ExpiredToken: the token names no known shared access policy' };
      const parsed = await verifyWithRule(request.token, rule, { audience: request.name });
      grants.add({ path, claims: rule.rights, expiresAt: parsed.expiresAt * 1000 });
      return { status: 202, description: 'Accepted' };
    } catch (error) {
      const reason = isRealtimeError(error) ? error.message : 'token rejected';
      return { status: 401, condition: 'amqp:unauthorized-access', description: redactSecrets(`InvalidSignature/ExpiredToken: ${reason}`) };
    }
  }

  /** SASL PLAIN with a policy name and one of its keys grants that policy's claims on the whole namespace. */
  plainLogin(grants: ConnectionGrants, username: string, password: string): boolean {
    if (this.acceptAnyToken) {
      grants.add({ path: '', claims: ALL_CLAIMS, expiresAt: Number.POSITIVE_INFINITY });
      return true;
    }
    // Constant-time, as every other secret comparison (issue 10 #15).
    const rule = ruleWithKey(this.rules, username, password);
    if (!rule) return false;
    grants.add({ path: '', claims: rule.rights, expiresAt: Number.POSITIVE_INFINITY });
    return true;
  }

  /** The service's wording for a missing claim (docs/protocol/eventhubs.md §7: UnauthorizedError). */
  authorize(grants: ConnectionGrants, path: string, claim: Claim): { condition: string; description: string } | undefined {
    if (this.acceptAnyToken || grants.allows(path, claim)) return undefined;
    return {
      condition: 'amqp:unauthorized-access',
      description: `Unauthorized access. '${claim}' claim(s) are required to perform this operation. Resource: '${this.resource(path).toLowerCase()}'.`,
    };
  }
}
