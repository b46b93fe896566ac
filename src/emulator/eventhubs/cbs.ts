import { timingSafeEqual } from '../../core/encoding.js';
import { redactSecrets, isRealtimeError } from '../../core/errors.js';
import { verifySasToken } from '../../core/sas.js';
import { nodeHmac } from '../../node/hmac.js';
import { EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../defaults.js';
import { addressPath, parseEntityPath, pathCovers } from './entity-path.js';
import type { EventHubsNamespace } from './namespace.js';

// Claims-based security (docs/protocol/eventhubs.md §3). A client puts a token on `$cbs` for an audience, then
// attaches links under it; the emulator remembers per connection which paths were granted
// which claims until when, and checks them at attach (the SDK always puts the token first).

export type Claim = 'Manage' | 'Send' | 'Listen';

export interface SharedAccessPolicy {
  name: string;
  key: string;
  rights: Claim[];
}

export const DEFAULT_POLICIES: SharedAccessPolicy[] = [
  { name: EMULATOR_KEY_NAME, key: EMULATOR_SAS_KEY, rights: ['Manage', 'Send', 'Listen'] },
];

interface Grant {
  path: string;
  claims: ReadonlySet<Claim>;
  /** ms since the epoch. */
  expiresAt: number;
}

const SAS_TOKEN_PREFIX = 'SharedAccessSignature ';

const ALL_CLAIMS: ReadonlySet<Claim> = new Set(['Manage', 'Send', 'Listen']);

export class ConnectionGrants {
  private readonly grants: Grant[] = [];

  add(grant: Grant): void {
    this.grants.push(grant);
  }

  /** Whether anything was ever granted (a token or SASL PLAIN): the handshake deadline's test. */
  get granted(): boolean {
    return this.grants.length > 0;
  }

  /** Manage implies Send and Listen, as on the service. */
  allows(path: string, claim: Claim, now = Date.now()): boolean {
    return this.grants.some(
      (grant) => grant.expiresAt > now && pathCovers(grant.path, path) && (grant.claims.has(claim) || grant.claims.has('Manage')),
    );
  }
}

export interface PutTokenResult {
  status: number;
  description: string;
  condition?: string;
}

export interface AuthorityOptions {
  namespace: EventHubsNamespace;
  policies?: SharedAccessPolicy[];
  /** Accept every token and every attach, as Microsoft's Docker emulator does. */
  acceptAnyToken?: boolean;
}

export class CbsAuthority {
  private readonly policies: Map<string, SharedAccessPolicy>;
  readonly acceptAnyToken: boolean;

  constructor(private readonly options: AuthorityOptions) {
    this.policies = new Map((options.policies ?? DEFAULT_POLICIES).map((policy) => [policy.name, policy]));
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
      const parsed = await verifySasToken(request.token, {
        getKey: (keyName) => this.policies.get(keyName)?.key,
        audience: request.name,
        hmac: nodeHmac,
      });
      const policy = this.policies.get(parsed.keyName)!;
      grants.add({ path, claims: new Set(policy.rights), expiresAt: parsed.expiresAt * 1000 });
      return { status: 202, description: 'Accepted' };
    } catch (error) {
      const reason = isRealtimeError(error) ? error.message : 'token rejected';
      return { status: 401, condition: 'amqp:unauthorized-access', description: redactSecrets(`InvalidSignature/ExpiredToken: ${reason}`) };
    }
  }

  /** SASL PLAIN with a policy name and key grants that policy's claims on the whole namespace. */
  plainLogin(grants: ConnectionGrants, username: string, password: string): boolean {
    if (this.acceptAnyToken) {
      grants.add({ path: '', claims: ALL_CLAIMS, expiresAt: Number.POSITIVE_INFINITY });
      return true;
    }
    const policy = this.policies.get(username);
    // Constant-time, as every other secret comparison (issue 10 #15).
    if (!policy || !timingSafeEqual(policy.key, password)) return false;
    grants.add({ path: '', claims: new Set(policy.rights), expiresAt: Number.POSITIVE_INFINITY });
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
