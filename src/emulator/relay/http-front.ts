import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerMetadataSize, type RequestMessage } from '../../core/relay/protocol.js';
import { HOP_BY_HOP_HEADERS as HOP_BY_HOP } from '../../core/relay/wire-rules.js';
import { BodyReadError, readBodyChunks, type BudgetHold, type HeldChunks } from '../../node/http-body.js';
import { authorize } from './auth.js';
import { pathSegments, type EntityMatch } from './entities.js';
import { appQuery, rawHeaderMap, rawQueryOf } from './forwarded-request.js';
import type { RelayContext } from './handler-context.js';
import { ForwardedExchange } from './http-exchange.js';
import { describeFailure, newTrackingId, replyHttp } from './replies.js';
import { SenderChannels } from './sender-channels.js';

// The HTTP front door (docs/protocol/relay.md §1.5): plain requests to https://{ns}/{path}[/suffix][?query]
// are checked (path, entity, sender token, body within its limit and the shared budget) and
// become a ForwardedExchange to one listener (http-exchange.ts).

/** Largest request or response body one exchange may carry (the service's own limit is not documented). */
export const DEFAULT_HTTP_BODY_LIMIT_BYTES = 64 * 1024 * 1024;
/**
 * All HTTP bodies held at once, across every entity and connection: a per-request limit alone let
 * 16 authorized 60 MB POSTs to a listener that never answers hold 1.99 GB.
 */
export const DEFAULT_HTTP_BODY_BUDGET_BYTES = 256 * 1024 * 1024;
/**
 * What one exchange costs besides its body (request frame, timers, table entries), so that
 * bodiless requests, e.g. thousands pipelined on one connection, are bounded by the budget too.
 */
const EXCHANGE_OVERHEAD_BYTES = 4 * 1024;

/** The request line and headers as forwarded, with their UTF-8 size (docs/protocol/relay.md §1.5). */
interface RequestHead {
  method: string;
  requestTarget: string;
  requestHeaders: Record<string, string>;
  metadataSize: number;
}

interface Auth {
  failure?: { status: number; message: string };
  dropAuthorizationHeader: boolean;
}

function firstQueryToken(rawQuery: string): string | undefined {
  for (const part of rawQuery.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).toLowerCase() === 'sb-hc-token') {
      try {
        return decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
      } catch {
        return part.slice(eq + 1);
      }
    }
  }
  return undefined;
}

/**
 * docs/protocol/relay.md §1.5: sb-hc-token and ServiceBusAuthorization are always removed and
 * checked when auth is on; Authorization is checked and removed only when auth is on and neither
 * of them was sent.
 */
async function checkSender(req: IncomingMessage, match: EntityMatch): Promise<Auth> {
  const { entity } = match;
  const sbAuth = req.headers['servicebusauthorization'];
  let token = firstQueryToken(rawQueryOf(req.url)) ?? (Array.isArray(sbAuth) ? sbAuth[0] : sbAuth);
  if (!entity.spec.requiresClientAuthorization) return { dropAuthorizationHeader: false };
  let dropAuthorizationHeader = false;
  if (token === undefined && req.headers.authorization !== undefined) {
    token = req.headers.authorization;
    dropAuthorizationHeader = true;
  }
  const outcome = await authorize({ entity, token, claim: 'Send', hostHeader: req.headers.host });
  return outcome.ok ? { dropAuthorizationHeader } : { failure: outcome, dropAuthorizationHeader };
}

export class HttpFront {
  readonly #channels = new SenderChannels();

  readonly #ctx: RelayContext;

  constructor(ctx: RelayContext) {
    this.#ctx = ctx;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ns = this.#ctx.registry.namespaceFor(req.headers.host);
    const pathname = (req.url ?? '/').split('?')[0]!;
    const tracker = `sb://${ns.host}${pathname}`;
    const segments = pathSegments(pathname);
    if (!segments) return replyHttp(res, 400, describeFailure('The request path is malformed.', tracker));
    if (segments[0]?.toLowerCase() === '$hc') return replyHttp(res, 400, describeFailure('$hc paths take WebSocket upgrades only.', tracker));
    const match = ns.resolve(segments);
    if (!match || !match.entity.spec.httpEnabled) return replyHttp(res, 404, describeFailure('Endpoint does not exist.', tracker));

    const auth = await checkSender(req, match);
    if (auth.failure) return replyHttp(res, auth.failure.status, describeFailure(auth.failure.message, tracker));
    // What reaches the listener, worked out once: it is charged to the budget and sized for the
    // control channel's limit from the same values.
    const query = appQuery(rawQueryOf(req.url));
    const drop = (name: string) => HOP_BY_HOP.has(name) || name === 'servicebusauthorization' || (auth.dropAuthorizationHeader && name === 'authorization');
    const head: RequestHead = { method: req.method ?? 'GET', requestTarget: query ? `${pathname}?${query}` : pathname, requestHeaders: rawHeaderMap(req, drop), metadataSize: 0 };
    head.metadataSize = headerMetadataSize(head.method, head.requestTarget, head.requestHeaders);
    const hold = this.#ctx.bodyBudget.hold();
    try {
      if (!hold.grow(EXCHANGE_OVERHEAD_BYTES + head.metadataSize)) return this.#overBudget(res, tracker);
      await this.#forward(req, res, match, head, hold, tracker);
    } finally {
      hold.release();
    }
  }

  async #forward(req: IncomingMessage, res: ServerResponse, match: EntityMatch, head: RequestHead, hold: BudgetHold, tracker: string): Promise<void> {
    const ctx = this.#ctx;
    const limit = ctx.httpBodyLimitBytes;
    let body: HeldChunks;
    try {
      // A body may not stall longer than bodyIdleTimeoutMs (30 s, the handshake deadline's order;
      // the service's own bound is unknown) [U]. A refused body is not read on: the answer closes
      // the connection instead of draining it. Kept in the chunks it arrived in: it is only
      // written on to the listener (sockets.ts sendChunks).
      body = await readBodyChunks(req, { maxBytes: limit, hold, idleTimeoutMs: ctx.bodyIdleTimeoutMs, afterRefusal: 'stop' });
    } catch (error) {
      if (!(error instanceof BodyReadError)) throw error;
      // A sender that hangs up mid-body gets no answer; the finally in handle() gives the budget back.
      if (error.status === 400) return;
      if (error.status === 503) return this.#overBudget(res, tracker);
      const message = error.status === 413 ? `Request bodies are limited to ${limit} bytes here.` : `The request body stalled for ${ctx.bodyIdleTimeoutMs} ms.`;
      return replyHttp(res, error.status, describeFailure(message, tracker), { Connection: 'close' });
    }

    const listener = match.entity.pickListener();
    if (!listener) return replyHttp(res, 502, describeFailure('There are no listeners connected for the endpoint.', tracker));

    const request: Omit<RequestMessage, 'address'> = {
      type: 'request',
      id: newTrackingId(),
      requestTarget: head.requestTarget,
      method: head.method,
      requestHeaders: head.requestHeaders,
      body: body.length > 0,
      ...(req.socket.remoteAddress ? { remoteEndpoint: { address: req.socket.remoteAddress, port: req.socket.remotePort ?? 0 } } : {}),
    };
    await new Promise<void>((done) => new ForwardedExchange(ctx, { req, res, match, listener, request, metadataSize: head.metadataSize, body, tracker }, this.#channels, done).start());
  }

  #overBudget(res: ServerResponse, tracker: string): void {
    this.#ctx.log(`relay: request refused with 503: HTTP requests in flight would pass the ${this.#ctx.bodyBudget.limit}-byte budget`);
    replyHttp(res, 503, describeFailure('The emulator holds too many requests right now; retry later.', tracker), { Connection: 'close', 'Retry-After': '1' });
  }
}
