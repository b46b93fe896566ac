import type { IncomingMessage, ServerResponse } from 'node:http';
import { HUB_NAME_PATTERN } from '../../core/webpubsub/client-token.js';
import { REST_OPERATIONS, type RestOperation, type RestOperationName } from '../../core/webpubsub/rest-spec.js';
import { verifyRestToken } from './auth.js';
import type { HubRegistry } from './hub-state.js';
import { badRequest, readRestBody, RestError, sendFailure, sendStatus } from './rest-http.js';
import { REST_HANDLERS, type RestContext, type RestOutcome, type RestParams } from './rest-operations.js';
import type { JwtPayload } from '../../core/jwt.js';
import type { VerifiedTokens } from '../host/verified-tokens.js';

// Routes the data-plane REST API (docs/protocol/webpubsub.md §3 table, api-version 2024-12-01 and earlier
// stable versions): HEAD /api/health, then /api/hubs/{hub}/... with JWT auth (aud = request URL).

export interface RestRouterOptions {
  hubs: HubRegistry;
  accessKey: string;
  /** `http(s)://host:port` of the emulator, for nextLink and minted tokens. */
  endpoint: string;
  port: number;
  /** A REST body that makes no progress this long is answered 408 (limits.bodyIdleTimeoutMs). */
  bodyIdleTimeoutMs: number;
  /** REST tokens already verified (their signature is checked once while they last). */
  verifiedTokens?: VerifiedTokens<JwtPayload>;
  log: (line: string) => void;
}

/** Each operation with its path split and its query parameters as a set, worked out once. */
const OPERATIONS = (Object.entries(REST_OPERATIONS) as Array<[RestOperationName, RestOperation]>).map(([name, operation]) => ({
  name,
  operation,
  parts: operation[1].split('/'),
  accepted: new Set(operation[2].split(' ')),
}));

/** The path parameters when the request is this operation, else undefined. */
function match(operation: RestOperation, parts: readonly string[], method: string | undefined, segments: string[]): RestParams | undefined {
  if (operation[0] !== method || parts.length !== segments.length) return undefined;
  const params: RestParams = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.startsWith('{')) params[part.slice(1, -1) as keyof RestParams] = segments[i]!;
    else if (part !== segments[i]) return undefined;
  }
  return params;
}

function answer(res: ServerResponse, operation: RestOperation, outcome: RestOutcome): void {
  if (outcome && 'found' in outcome) return sendStatus(res, outcome.found ? operation[3] : 404);
  sendStatus(res, operation[3], outcome ? outcome.json : undefined);
}

/**
 * The path's non-empty segments, percent-decoded. A plain loop into a fresh array: the same array
 * shape whether this runs interpreted or optimized (a split/filter/map chain is not, and the first
 * optimized handleRest then deoptimized on the array it made itself).
 */
function pathSegments(pathname: string): string[] {
  const segments: string[] = [];
  try {
    // Without a '%' decodeURIComponent returns its input: skip the call for the common path.
    for (const part of pathname.split('/')) if (part.length > 0) segments.push(part.includes('%') ? decodeURIComponent(part) : part);
  } catch {
    throw badRequest('Malformed percent-encoding in the path');
  }
  return segments;
}

interface MatchedOperation {
  name: RestOperationName;
  operation: RestOperation;
  accepted: ReadonlySet<string>;
  params: RestParams;
}

/** After auth: the hub-scoped operation `segments` name (api, hubs, {hub}, ...), or a 400 / 404. */
function operationOf(method: string | undefined, segments: string[], pathname: string): MatchedOperation {
  if (segments[1] !== 'hubs' || segments.length < 3) throw new RestError(404, 'NotFound', 'No such resource');
  if (!HUB_NAME_PATTERN.test(segments[2]!)) throw badRequest(`Invalid hub name; expected ${HUB_NAME_PATTERN}`);
  const rest = segments.slice(3);
  for (const { name, operation, parts, accepted } of OPERATIONS) {
    const params = match(operation, parts, method, rest);
    if (!params) continue;
    for (const key of ['group', 'connectionId', 'userId'] as const) {
      const value = params[key];
      if (value !== undefined && (value.length > 1024 || value.trim().length === 0)) throw badRequest(`Invalid ${key}`);
    }
    return { name, operation, accepted, params };
  }
  throw new RestError(404, 'NotFound', `No operation ${method} ${pathname}`);
}

export async function handleRest(req: IncomingMessage, res: ServerResponse, url: URL, options: RestRouterOptions): Promise<void> {
  try {
    const segments = pathSegments(url.pathname);
    if (segments[0] !== 'api') throw new RestError(404, 'NotFound', 'No such resource');
    if (segments.length === 2 && segments[1] === 'health' && (req.method === 'HEAD' || req.method === 'GET')) {
      return sendStatus(res, 200); // getServiceStatus needs no auth
    }
    if (!url.searchParams.get('api-version')) throw badRequest('The api-version query parameter is required');
    await verifyRestToken(req, options.accessKey, url, options.port, options.verifiedTokens);
    const { name, operation, accepted, params } = operationOf(req.method, segments, url.pathname);
    const hubName = segments[2]!;
    const context: RestContext = {
      req,
      url,
      accepts: (parameter) => accepted.has(parameter),
      hub: options.hubs.view(hubName), // an unknown hub is empty and stays unstored
      hubName,
      params,
      endpoint: options.endpoint,
      accessKey: options.accessKey,
      body: () => readRestBody(req, options.bodyIdleTimeoutMs),
    };
    answer(res, operation, await REST_HANDLERS[name](context));
  } catch (error) {
    req.resume();
    sendFailure(res, error, options.log);
  }
}
