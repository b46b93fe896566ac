import type { IncomingMessage, ServerResponse } from 'node:http';
import { HUB_NAME_PATTERN } from '../../core/webpubsub/client-token.js';
import { acceptedHosts, verifyRestToken } from './auth.js';
import type { HubRegistry } from './hub-state.js';
import { badRequest, readRestBody, RestError, sendFailure, sendStatus } from './rest-http.js';
import { REST_OPERATIONS, type RestContext, type RestParams } from './rest-operations.js';

// Routes the data-plane REST API (docs/protocol/webpubsub.md §3 table, api-version 2024-12-01 and earlier
// stable versions): HEAD /api/health, then /api/hubs/{hub}/... with JWT auth (aud = request URL).

export interface RestRouterOptions {
  hubs: HubRegistry;
  accessKey: string;
  /** `http(s)://host:port` of the emulator, for nextLink and minted tokens. */
  endpoint: string;
  port: number;
  log: (line: string) => void;
}

export async function handleRest(req: IncomingMessage, res: ServerResponse, url: URL, options: RestRouterOptions): Promise<void> {
  try {
    let segments: string[];
    try {
      segments = url.pathname.split('/').filter((s) => s.length > 0).map((s) => decodeURIComponent(s));
    } catch {
      throw badRequest('Malformed percent-encoding in the path');
    }
    if (segments[0] !== 'api') throw new RestError(404, 'NotFound', 'No such resource');
    if (segments.length === 2 && segments[1] === 'health' && (req.method === 'HEAD' || req.method === 'GET')) {
      return sendStatus(res, 200); // getServiceStatus needs no auth
    }
    if (!url.searchParams.get('api-version')) throw badRequest('The api-version query parameter is required');
    await verifyRestToken(req, options.accessKey, url, acceptedHosts(req, options.port));
    if (segments[1] !== 'hubs' || segments.length < 3) throw new RestError(404, 'NotFound', 'No such resource');
    const hubName = segments[2]!;
    if (!HUB_NAME_PATTERN.test(hubName)) throw badRequest(`Invalid hub name; expected ${HUB_NAME_PATTERN}`);
    const rest = segments.slice(3);
    for (const operation of REST_OPERATIONS) {
      if (operation.method !== req.method || operation.path.length !== rest.length) continue;
      const params: RestParams = {};
      const matches = operation.path.every((part, i) => {
        if (part.startsWith('{')) {
          params[part.slice(1, -1) as keyof RestParams] = rest[i]!;
          return true;
        }
        return part === rest[i];
      });
      if (!matches) continue;
      for (const name of ['group', 'connectionId', 'userId'] as const) {
        const value = params[name];
        if (value !== undefined && (value.length > 1024 || value.trim().length === 0)) throw badRequest(`Invalid ${name}`);
      }
      const context: RestContext = {
        req,
        url,
        hub: options.hubs.view(hubName), // an unknown hub is empty and stays unstored
        hubName,
        params,
        endpoint: options.endpoint,
        accessKey: options.accessKey,
        body: () => readRestBody(req),
      };
      const result = await operation.run(context);
      return sendStatus(res, result.status, result.json);
    }
    throw new RestError(404, 'NotFound', `No operation ${req.method} ${url.pathname}`);
  } catch (error) {
    req.resume();
    sendFailure(res, error, options.log);
  }
}
