import { describeValue } from '../errors.js';
import { signJwt, type JwtPayload } from '../jwt.js';
import { clockOf, hmacOf, type NowOption, type RuntimeOption } from '../runtime.js';
import type { HmacSha256 } from '../runtime-types.js';

// Client access tokens with the same inputs and outputs as @azure/web-pubsub's
// getClientAccessToken (docs/protocol/webpubsub.md §1): aud = {http endpoint}/client/hubs/{hub}.

export type ClientProtocol = 'default' | 'mqtt' | 'socketio';

export interface ClientAccessTokenOptions {
  userId?: string;
  roles?: string[];
  groups?: string[];
  /** Default 60, as the official SDKs. */
  expirationTimeInMinutes?: number;
  clientProtocol?: ClientProtocol;
}

export interface ClientAccessToken {
  token: string;
  /** `ws(s)://host/client/hubs/{hub}` */
  baseUrl: string;
  /** baseUrl + `?access_token=` + token */
  url: string;
}

export interface MintClientTokenInput extends ClientAccessTokenOptions, RuntimeOption {
  /** `http(s)://host[:port]/` (the connection string's Endpoint). */
  endpoint: string;
  hub: string;
  accessKey: string;
  /** Shorthand for `runtime.hmac`. */
  hmac?: HmacSha256;
  /** Current time in ms, or a clock (tests); defaults to `runtime.now`, else Date.now(). */
  now?: NowOption;
}

const CLIENT_PATHS: Record<ClientProtocol, string> = {
  default: 'client/hubs/',
  mqtt: 'clients/mqtt/hubs/',
  socketio: 'clients/socketio/hubs/',
};

export const HUB_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$/;

export function clientPath(hub: string, protocol: ClientProtocol = 'default'): string {
  const prefix = CLIENT_PATHS[protocol];
  if (!prefix) throw new TypeError(`expected clientProtocol default, mqtt or socketio, got ${describeValue(protocol)}`);
  return prefix + hub;
}

export type ClientTokenMinter = (options?: ClientAccessTokenOptions & { now?: number }) => Promise<ClientAccessToken>;

/**
 * Validates endpoint, hub and key once and returns a function that only builds and signs claims:
 * the service client keeps one per key, which is most of the speed-up over jsonwebtoken.
 */
export function createClientTokenMinter(input: Omit<MintClientTokenInput, keyof ClientAccessTokenOptions>): ClientTokenMinter {
  if (typeof input.hub !== 'string' || !HUB_NAME_PATTERN.test(input.hub)) {
    throw new TypeError(`expected hub to match ${HUB_NAME_PATTERN}, got ${describeValue(input.hub)}`);
  }
  if (!/^https?:\/\//i.test(input.endpoint)) throw new TypeError(`expected endpoint to be an http(s) URL, got ${describeValue(input.endpoint)}`);
  if (typeof input.accessKey !== 'string' || !input.accessKey) throw new TypeError(`expected accessKey to be a non-empty string, got ${describeValue(input.accessKey)}`);
  return clientTokenMinter(input.endpoint.endsWith('/') ? input.endpoint : `${input.endpoint}/`, input.hub, input.accessKey, hmacOf(input), clockOf(input));
}

/** The minter without input checks, for callers that checked the endpoint (ending in `/`) and hub already (the service client). */
export function clientTokenMinter(endpoint: string, hub: string, accessKey: string, hmac: HmacSha256, now: () => number): ClientTokenMinter {
  const wsEndpoint = endpoint.replace(/^http/i, 'ws');
  return async (options = {}) => {
    const path = clientPath(hub, options.clientProtocol);
    const minutes = options.expirationTimeInMinutes ?? 60;
    // A numeric string works too, as it does in the official SDK (`${minutes}m` for jsonwebtoken).
    if (!(minutes > 0 && minutes < Infinity)) throw new RangeError(`expected expirationTimeInMinutes > 0, got ${minutes}`);
    const iat = Math.floor((options.now ?? now()) / 1000);
    // Claim order as jsonwebtoken writes it for the official SDK, so equal inputs give equal tokens;
    // JSON.stringify leaves out the undefined claims.
    const payload: JwtPayload = {
      role: options.roles,
      'webpubsub.group': options.groups,
      iat,
      exp: iat + Math.floor(minutes * 60),
      aud: endpoint + path,
      sub: options.userId || undefined,
    };
    const token = await signJwt(payload, accessKey, { hmac });
    const baseUrl = wsEndpoint + path;
    return { token, baseUrl, url: `${baseUrl}?access_token=${token}` };
  };
}

export async function mintClientAccessToken(input: MintClientTokenInput): Promise<ClientAccessToken> {
  // `now` (an instant or a clock) is the minter's clock; the per-call `now` of the minter is a number only.
  const { now: _clock, ...options } = input;
  return createClientTokenMinter(input)(options);
}
