import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  CONTROL_CHANNEL_BODY_LIMIT,
  CONTROL_CHANNEL_HEADER_LIMIT,
  encodeControlMessage,
  headerMetadataSize,
  type RequestMessage,
  type ResponseMessage,
} from '../../core/relay/protocol.js';
import { HOP_BY_HOP_HEADERS as HOP_BY_HOP } from '../../core/relay/wire-rules.js';
import { authorize } from './auth.js';
import { BodyReservation, EXCHANGE_OVERHEAD_BYTES, readBudgetedBody } from './body-budget.js';
import { appQuery, rawHeaderMap, rawQueryOf, type RelayContext } from './context.js';
import { hostnameOf, pathSegments, type EntityMatch, type HybridConnection, type OnlineListener } from './entities.js';
import type { HttpExchange } from './exchanges.js';
import { describeFailure, newTrackingId, reasonPhrase, replyHttp } from './replies.js';
import { RequestChannel } from './request-channel.js';

// The HTTP front door (docs/protocol/relay.md §1.5): plain requests to https://{ns}/{path}[/suffix][?query]
// become `request` frames to one listener, on the control channel when small, over a
// `sb-hc-action=request` rendezvous when not. 502 when no listener is online, 504 when no
// `response` arrives within the deadline.

// RFC 7230 hop-by-hop headers (core/relay/wire-rules.ts) are not forwarded, except Via (docs/protocol/relay.md §1.5).

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
 * Note §1.5: sb-hc-token and ServiceBusAuthorization are always removed and checked when auth is
 * on; Authorization is checked and removed only when auth is on and neither of them was sent.
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

function responseHeaders(response: ResponseMessage, viaHost: string): Record<string, string> {
  const headers: Record<string, string> = {};
  let via: string | undefined;
  for (const [name, value] of Object.entries(response.responseHeaders)) {
    const lower = name.toLowerCase();
    if (lower === 'via') via = value;
    else if (!HOP_BY_HOP.has(lower)) headers[name] = value;
  }
  // A Via header tells the sender the answer came from the listener, not the service (docs/protocol/relay.md §1.5).
  headers['Via'] = via ? `${via}, 1.1 ${viaHost}` : `1.1 ${viaHost}`;
  return headers;
}

export class HttpFront {
  /**
   * Rendezvous request channels bound to the sender's HTTP connection they serve, one per entity:
   * a keep-alive connection may carry requests for several hybrid connections, and each must
   * reach its own entity's listeners (docs/protocol/relay.md §1.5 binds a rendezvous to the sender connection of
   * *that* hybrid connection).
   */
  readonly #channels = new WeakMap<Duplex, Map<HybridConnection, RequestChannel>>();

  constructor(private readonly ctx: RelayContext) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ns = this.ctx.registry.namespaceFor(req.headers.host);
    const pathname = (req.url ?? '/').split('?')[0]!;
    const tracker = `sb://${ns.host}${pathname}`;
    const segments = pathSegments(pathname);
    if (!segments) return replyHttp(res, 400, describeFailure('The request path is malformed.', tracker));
    if (segments[0]?.toLowerCase() === '$hc') return replyHttp(res, 400, describeFailure('$hc paths take WebSocket upgrades only.', tracker));
    const match = ns.resolve(segments);
    if (!match || !match.entity.spec.httpEnabled) return replyHttp(res, 404, describeFailure('Endpoint does not exist.', tracker));

    const auth = await checkSender(req, match);
    if (auth.failure) return replyHttp(res, auth.failure.status, describeFailure(auth.failure.message, tracker));
    const reservation = new BodyReservation(this.ctx.bodyBudget);
    try {
      if (!reservation.grow(EXCHANGE_OVERHEAD_BYTES + headerMetadataSize(req.method ?? '', req.url ?? '', rawHeaderMap(req, () => false)))) {
        return this.#overBudget(res, tracker);
      }
      await this.#forward(req, res, match, auth, reservation, pathname, tracker);
    } finally {
      reservation.release();
    }
  }

  async #forward(req: IncomingMessage, res: ServerResponse, match: EntityMatch, auth: Auth, reservation: BodyReservation, pathname: string, tracker: string): Promise<void> {
    const limit = this.ctx.httpBodyLimitBytes;
    // A body may not stall longer than a response may (docs/protocol/relay.md §1.5's 60 s) [U].
    const body = await readBudgetedBody(req, limit, reservation, this.ctx.httpTimeoutMs);
    // A refused body is not read: the answer closes the connection instead of draining it.
    if (body === 'too_large') return replyHttp(res, 413, describeFailure(`Request bodies are limited to ${limit} bytes here.`, tracker), { Connection: 'close' });
    if (body === 'over_budget') return this.#overBudget(res, tracker);
    if (body === 'stalled') return replyHttp(res, 408, describeFailure(`The request body stalled for ${this.ctx.httpTimeoutMs} ms.`, tracker), { Connection: 'close' });

    const listener = match.entity.pickListener();
    if (!listener) return replyHttp(res, 502, describeFailure('There are no listeners connected for the endpoint.', tracker));

    const query = appQuery(rawQueryOf(req.url));
    const drop = (name: string) => HOP_BY_HOP.has(name) || name === 'servicebusauthorization' || (auth.dropAuthorizationHeader && name === 'authorization');
    const request: Omit<RequestMessage, 'address'> = {
      type: 'request',
      id: newTrackingId(),
      requestTarget: query ? `${pathname}?${query}` : pathname,
      method: req.method ?? 'GET',
      requestHeaders: rawHeaderMap(req, drop),
      body: body.length > 0,
      ...(req.socket.remoteAddress ? { remoteEndpoint: { address: req.socket.remoteAddress, port: req.socket.remotePort ?? 0 } } : {}),
    };
    await this.#exchange(req, res, match, listener, request, body, tracker);
  }

  #exchange(
    req: IncomingMessage,
    res: ServerResponse,
    match: EntityMatch,
    listener: OnlineListener,
    request: Omit<RequestMessage, 'address'>,
    body: Uint8Array,
    tracker: string,
  ): Promise<void> {
    const { ctx } = this;
    const senderConnection = req.socket;
    return new Promise<void>((done) => {
      let head: ResponseMessage | undefined;
      let delivered = false;
      const entity = match.entity;
      let channel: RequestChannel | undefined = this.#boundChannel(senderConnection, entity);
      const cleanups: Array<() => void> = [];
      let finished = false;
      const finish = (write: () => void) => {
        if (finished) return;
        finished = true;
        for (const cleanup of cleanups) cleanup();
        channel?.settled(exchange);
        // A socket the listener opened only to answer is not kept (see arrive below).
        if (channel && this.#boundChannel(senderConnection, entity) !== channel) channel.terminate(1000, 'Response complete');
        ctx.exchanges.remove(exchange);
        match.entity.attachments.delete(attachment);
        try {
          write();
        } finally {
          done();
        }
      };
      const fail = (status: number, message: string) => finish(() => replyHttp(res, status, describeFailure(message, tracker)));

      const exchange: HttpExchange = {
        id: request.id,
        respond: (response) => {
          // The protocol has one response per request, so it is the final one: an interim (1xx)
          // status cannot stand for it, nor can a number HTTP has no class for (RFC 9110 §15).
          if (response.statusCode < 200 || response.statusCode > 599) {
            ctx.log(`relay: listener answered request ${request.id} with status ${response.statusCode}, which cannot be a final HTTP response`);
            fail(502, `The listener answered with status ${response.statusCode}, which is not a final HTTP status.`);
            return;
          }
          head = response;
          restartDeadline();
          if (!response.body) finish(() => this.#writeResponse(req, res, response, undefined));
        },
        body: (bytes) => {
          if (!head || finished) return;
          if (bytes.length > ctx.httpBodyLimitBytes) {
            fail(502, `The listener's response body is larger than ${ctx.httpBodyLimitBytes} bytes.`);
            return;
          }
          // The answer stays in memory until the sender has read it, so it is charged until then.
          const held = new BodyReservation(ctx.bodyBudget);
          if (!held.grow(bytes.length)) {
            fail(503, 'The emulator holds too many response bodies right now; retry later.');
            return;
          }
          res.once('close', () => held.release());
          finish(() => this.#writeResponse(req, res, head!, bytes));
        },
        abort: (reason) => fail(502, `The listener went away before responding (${reason}).`),
      };
      const attachment = { kind: 'http' as const, request: { method: request.method, target: tracker, since: Date.now() }, terminate: () => fail(502, 'The hybrid connection was deleted.') };

      // 60 s for the response frame, and again for each later part of it (docs/protocol/relay.md §1.5).
      let deadline: NodeJS.Timeout | undefined;
      const restartDeadline = () => {
        clearTimeout(deadline);
        deadline = setTimeout(() => fail(504, 'The listener did not respond in time.'), ctx.httpTimeoutMs);
      };
      cleanups.push(() => clearTimeout(deadline));
      restartDeadline();
      ctx.exchanges.add(exchange);
      match.entity.attachments.add(attachment);
      res.once('close', () => {
        if (!res.writableFinished) finish(() => {});
      });

      const deliverOn = (target: RequestChannel, address: string) => {
        if (delivered) return;
        delivered = true;
        target.deliver(exchange, encodeControlMessage({ ...request, address }), request.body ? body : undefined);
      };

      // The address lets the listener upgrade this request to rendezvous, e.g. for a large response.
      const entry = ctx.rendezvous.create({
        action: 'request',
        scheme: ctx.scheme,
        host: listener.host,
        path: `${encodeURIComponent(match.entity.name)}${match.suffix}`,
        lifetimeMs: ctx.httpTimeoutMs,
        arrive: (arrival) => {
          void ctx.upgrade(arrival.req, arrival.socket, arrival.head).then(
            (ws) => {
              const opened = new RequestChannel(ws, match.entity, ctx.exchanges, ctx.log, ctx.listenerBacklogBytes);
              if (finished) {
                opened.terminate(1000, 'The request is already answered');
                return;
              }
              // Only a channel the request itself travelled on is kept for the connection's later
              // requests: hyco-https reads requests only on those, not on one it opened to answer [U].
              if (!delivered) this.#bind(senderConnection, entity, opened);
              channel = opened;
              deliverOn(opened, entry.address);
            },
            (error: Error) => ctx.log(`relay: request rendezvous upgrade failed: ${error.message}`),
          );
        },
        expire: () => {},
      });
      cleanups.push(() => ctx.rendezvous.cancel(entry));

      if (channel?.open) {
        ctx.log(`relay: request ${request.id} (${body.length} bytes) on the connection's rendezvous socket`);
        deliverOn(channel, entry.address);
        return;
      }
      channel = undefined;
      const fitsControlChannel =
        body.length <= CONTROL_CHANNEL_BODY_LIMIT &&
        headerMetadataSize(request.method, request.requestTarget, request.requestHeaders) <= CONTROL_CHANNEL_HEADER_LIMIT;
      cleanups.push(listener.onGone((reason) => {
        if (!head) fail(502, `The listener went away before responding (${reason}).`);
      }));
      ctx.log(`relay: request ${request.id} (${body.length} bytes) via ${fitsControlChannel ? 'control channel' : 'rendezvous'}`);
      if (fitsControlChannel) {
        delivered = true;
        listener.sendText(encodeControlMessage({ ...request, address: entry.address }));
        if (request.body) listener.sendBinary(body);
      } else {
        listener.sendText(encodeControlMessage({ type: 'requestRendezvous', address: entry.address, id: request.id }));
      }
    });
  }

  #overBudget(res: ServerResponse, tracker: string): void {
    this.ctx.log(`relay: request refused with 503: HTTP requests in flight would pass the ${this.ctx.bodyBudget.capacity}-byte budget`);
    replyHttp(res, 503, describeFailure('The emulator holds too many requests right now; retry later.', tracker), { Connection: 'close', 'Retry-After': '1' });
  }

  #boundChannel(senderConnection: Duplex, entity: HybridConnection): RequestChannel | undefined {
    return this.#channels.get(senderConnection)?.get(entity);
  }

  #bind(senderConnection: Duplex, entity: HybridConnection, channel: RequestChannel): void {
    let byEntity = this.#channels.get(senderConnection);
    if (!byEntity) this.#channels.set(senderConnection, (byEntity = new Map()));
    const previous = byEntity.get(entity);
    if (previous && previous !== channel) previous.terminate(1000, 'replaced');
    byEntity.set(entity, channel);
    const onSenderGone = () => channel.terminate(1000, 'The sender connection closed');
    senderConnection.once('close', onSenderGone);
    channel.onClosed(() => {
      senderConnection.off('close', onSenderGone);
      if (byEntity.get(entity) === channel) byEntity.delete(entity);
    });
  }

  #writeResponse(req: IncomingMessage, res: ServerResponse, response: ResponseMessage, body: Uint8Array | undefined): void {
    if (res.headersSent || res.destroyed) return;
    const headers = responseHeaders(response, hostnameOf(req.headers.host) || 'relay');
    try {
      res.writeHead(response.statusCode, reasonPhrase(response.statusDescription, response.statusCode), headers);
    } catch (error) {
      // Node refuses header names/values that HTTP cannot carry; the listener's answer is unusable.
      this.ctx.log(`relay: listener response not writable: ${(error as Error).message}`);
      res.removeHeader('Via');
      replyHttp(res, 502, describeFailure('The listener sent a response HTTP cannot carry.', `sb://${hostnameOf(req.headers.host)}${req.url?.split('?')[0] ?? ''}`));
      return;
    }
    res.end(body && body.length > 0 ? body : undefined);
  }
}
