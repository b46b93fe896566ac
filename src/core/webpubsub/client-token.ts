import type { HmacSha256 } from '../crypto.js';
import { describeValue } from '../errors.js';
import { signJwt, type JwtPayload } from '../jwt.js';

// Client access tokens with the same inputs and outputs as @azure/web-pubsub's
// getClientAccessToken (webpubsub note §1): aud = {http endpoint}/client/hubs/{hub}.

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

export interface MintClientTokenInput extends ClientAccessTokenOptions {
  /** `http(s)://host[:port]/` (the connection string's Endpoint). */
  endpoint: string;
  hub: string;
  accessKey: string;
  hmac?: HmacSha256;
  /** Current time in ms (tests). */
  now?: number;
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

export async function mintClientAccessToken(input: MintClientTokenInput): Promise<ClientAccessToken> {
  if (typeof input.hub !== 'string' || !HUB_NAME_PATTERN.test(input.hub)) {
    throw new TypeError(`expected hub to match ${HUB_NAME_PATTERN}, got ${describeValue(input.hub)}`);
  }
  if (typeof input.endpoint !== 'string' || !/^https?:\/\//i.test(input.endpoint)) {
    throw new TypeError(`expected endpoint to be an http(s) URL, got ${describeValue(input.endpoint)}`);
  }
  const minutes = input.expirationTimeInMinutes ?? 60;
  if (!Number.isFinite(minutes) || minutes <= 0) throw new RangeError(`expected expirationTimeInMinutes > 0, got ${minutes}`);
  const endpoint = input.endpoint.endsWith('/') ? input.endpoint : `${input.endpoint}/`;
  const path = clientPath(input.hub, input.clientProtocol);
  const iat = Math.floor((input.now ?? Date.now()) / 1000);
  // Claim order as jsonwebtoken writes it for the official SDK, so equal inputs give equal tokens.
  const payload: JwtPayload = {};
  if (input.roles !== undefined) payload.role = input.roles;
  if (input.groups !== undefined) payload['webpubsub.group'] = input.groups;
  payload.iat = iat;
  payload.exp = iat + Math.floor(minutes * 60);
  payload.aud = endpoint + path;
  if (input.userId) payload.sub = input.userId;
  const token = await signJwt(payload, input.accessKey, { hmac: input.hmac });
  const baseUrl = endpoint.replace(/^http(s?:\/\/)/i, 'ws$1') + path;
  return { token, baseUrl, url: `${baseUrl}?access_token=${token}` };
}
