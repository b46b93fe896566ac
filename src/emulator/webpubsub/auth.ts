import type { IncomingMessage } from 'node:http';
import { verifyJwt, type JwtPayload } from '../../core/jwt.js';
import { nodeHmac } from '../../node/hmac.js';
import { RealtimeError } from '../../core/errors.js';
import { audienceOf, type VerifiedTokens } from '../host/verified-tokens.js';

/** Seconds a REST token is still taken after its exp (verifyJwt's default clock skew). */
const CLOCK_SKEW_SECONDS = 300;

// Token checks of the service (docs/protocol/webpubsub.md §1): HS256 with the UTF-8 AccessKey, `exp` required
// (checked only at connect), `aud` = {http endpoint}/client/hubs/{hub} for clients and the full
// request URL (with or without its query) for REST, compared case-insensitively.

/** Hosts the emulator answers to: what the request says, plus its own loopback names. */
export function acceptedHosts(request: IncomingMessage, port: number): Set<string> {
  const hosts = new Set<string>([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const header = request.headers.host?.toLowerCase();
  if (header) hosts.add(/:\d+$/.test(header) ? header : `${header}:${port}`);
  return hosts;
}

function audienceUrl(aud: string): URL | undefined {
  try {
    return new URL(aud);
  } catch {
    return undefined;
  }
}

/** `host` of a parsed URL with the port written out, as clients put it in `aud`. */
function hostWithPort(url: URL): string {
  const port = url.port || (url.protocol === 'https:' || url.protocol === 'wss:' ? '443' : '80');
  return `${url.hostname}:${port}`.toLowerCase();
}

function normalizePath(path: string): string {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // keep the raw form; it simply will not match
  }
  return decoded.replace(/\/+$/, '').toLowerCase();
}

export function extractClientToken(request: IncomingMessage, url: URL): string | undefined {
  const fromQuery = url.searchParams.get('access_token');
  if (fromQuery) return fromQuery;
  const header = request.headers.authorization;
  return header && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '') : undefined;
}

export async function verifyClientToken(token: string, accessKey: string, hub: string, hosts: Set<string>): Promise<JwtPayload> {
  const expectedPath = `/client/hubs/${hub}`.toLowerCase();
  return verifyJwt(token, accessKey, {
    hmac: nodeHmac,
    audience: (aud) => {
      const url = audienceUrl(aud);
      return !!url && /^https?:$/.test(url.protocol) && hosts.has(hostWithPort(url)) && normalizePath(url.pathname) === expectedPath;
    },
  });
}

/** REST: `aud` is the URL the SDK signed (request.url), query included or not. */
function restAudienceAccepted(aud: unknown, hosts: Set<string>, url: URL): boolean {
  const expectedPath = normalizePath(url.pathname);
  const accepts = (value: unknown): boolean => {
    const signed = typeof value === 'string' ? audienceUrl(value) : undefined;
    if (!signed || !/^https?:$/.test(signed.protocol) || !hosts.has(hostWithPort(signed))) return false;
    if (normalizePath(signed.pathname) !== expectedPath) return false;
    return signed.search === '' || normalizePath(signed.search) === normalizePath(url.search);
  };
  return Array.isArray(aud) ? aud.some(accepts) : accepts(aud);
}

/**
 * Signature, `exp`/`nbf` (verifyJwt), then the audience against this request. With `verified`, a
 * token that verified before skips the signature check while it has not expired (host/verified-tokens.ts),
 * and its audience answer for the same Host and URL is remembered.
 */
export async function verifyRestToken(request: IncomingMessage, accessKey: string, url: URL, port: number, verified?: VerifiedTokens<JwtPayload>, now = Date.now()): Promise<JwtPayload> {
  const header = request.headers.authorization;
  const token = header && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '') : '';
  let entry = verified?.get(token, now);
  if (!entry) {
    const payload = await verifyJwt(token, accessKey, { hmac: nodeHmac, now });
    entry = verified ? verified.add(token, payload, ((payload.exp ?? 0) + CLOCK_SKEW_SECONDS) * 1000) : { proof: payload, refusedFromMs: Number.POSITIVE_INFINITY, audiences: new Map() };
  }
  const payload = entry.proof;
  const target = `${request.headers.host ?? ''}\n${url.pathname}\n${url.search}`;
  if (!audienceOf(entry, target, () => restAudienceAccepted(payload.aud, acceptedHosts(request, port), url))) {
    throw new RealtimeError('forbidden', `JWT audience ${JSON.stringify(payload.aud ?? null)} is not accepted here`, { status: 401 });
  }
  return payload;
}

/** Claim values as the connect event presents them: every value a string array (docs/protocol/webpubsub.md §1). */
export function claimsForConnectEvent(payload: JwtPayload): Record<string, string[]> {
  const claims: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(payload)) {
    const values = Array.isArray(value) ? value : [value];
    claims[name] = values.filter((v) => v !== undefined && v !== null).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  }
  return claims;
}

export function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
