import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CONTROL_CHANNEL_BODY_LIMIT,
  CONTROL_CHANNEL_HEADER_LIMIT,
  encodeControlMessage,
  type RequestMessage,
  type ResponseMessage,
} from '../../core/relay/protocol.js';
import { HOP_BY_HOP_HEADERS as HOP_BY_HOP } from '../../core/relay/wire-rules.js';
import { reasonPhrase } from '../host/replies.js';
import { hostnameOf, type EntityAttachment, type EntityMatch, type OnlineListener } from './entities.js';
import type { HttpExchange } from './exchanges.js';
import type { RelayContext } from './handler-context.js';
import type { RendezvousArrival, RendezvousEntry } from './rendezvous.js';
import { describeFailure, replyHttp } from './replies.js';
import { RequestChannel } from './request-channel.js';
import type { SenderChannels } from './sender-channels.js';
import type { RequestBody } from './sockets.js';

// One HTTP request on its way to a listener and back (docs/protocol/relay.md §1.5): delivered on
// the sender connection's bound request channel, the control channel when small, or a rendezvous
// the listener opens when not; answered once (response frame, then maybe its body), failed with
// 502 when the listener goes away, 504 when it does not answer in time. Every exit goes through
// `#finish`, which runs once and undoes everything `start` set up.

export interface ExchangeRequest {
  req: IncomingMessage;
  res: ServerResponse;
  match: EntityMatch;
  listener: OnlineListener;
  request: Omit<RequestMessage, 'address'>;
  /** headerMetadataSize of the request (decides control channel or rendezvous). */
  metadataSize: number;
  /** The request body as it arrived (not joined). */
  body: RequestBody;
  /** `sb://{ns}/{path}` for service-style error descriptions. */
  tracker: string;
}

export class ForwardedExchange implements HttpExchange {
  readonly id: string;
  #head: ResponseMessage | undefined;
  #delivered = false;
  #finished = false;
  #channel: RequestChannel | undefined;
  #deadline: NodeJS.Timeout | undefined;
  #rendezvous: RendezvousEntry | undefined;
  #stopWatchingListener: (() => void) | undefined;
  readonly #attachment: EntityAttachment;
  readonly #ctx: RelayContext;
  readonly #parts: ExchangeRequest;
  readonly #channels: SenderChannels;
  readonly #done: () => void;

  constructor(ctx: RelayContext, parts: ExchangeRequest, channels: SenderChannels, done: () => void) {
    this.#ctx = ctx;
    this.#parts = parts;
    this.#channels = channels;
    this.#done = done;
    this.id = parts.request.id;
    this.#attachment = {
      kind: 'http',
      request: { method: parts.request.method, target: parts.tracker, since: Date.now() },
      terminate: () => this.#fail(502, 'The hybrid connection was deleted.'),
    };
  }

  /** Registers the exchange and sends the request on its way. */
  start(): void {
    const ctx = this.#ctx;
    const { res, match, listener, request, body } = this.#parts;
    this.#channel = this.#channels.of(this.#parts.req.socket, match.entity);
    this.#restartDeadline();
    ctx.exchanges.add(this);
    match.entity.attachments.add(this.#attachment);
    res.once('close', () => {
      if (!res.writableFinished) this.#finish(() => {});
    });
    // The address lets the listener upgrade this request to rendezvous, e.g. for a large response.
    this.#rendezvous = ctx.rendezvous.create({
      action: 'request',
      scheme: ctx.scheme,
      host: listener.host,
      path: `${encodeURIComponent(match.entity.name)}${match.suffix}`,
      // Valid while the exchange is: its own deadline ends it, and #finish cancels the address.
      lifetimeMs: 'owner',
      arrive: (arrival) => this.#arrive(arrival),
      expire: () => {},
    });
    const address = this.#rendezvous.address;

    if (this.#channel?.open) {
      ctx.log(`relay: request ${request.id} (${body.length} bytes) on the connection's rendezvous socket`);
      this.#deliverOn(this.#channel, address);
      return;
    }
    this.#channel = undefined;
    const fitsControlChannel = body.length <= CONTROL_CHANNEL_BODY_LIMIT && this.#parts.metadataSize <= CONTROL_CHANNEL_HEADER_LIMIT;
    this.#stopWatchingListener = listener.onGone((reason) => {
      if (!this.#head) this.#fail(502, `The listener went away before responding (${reason}).`);
    });
    ctx.log(`relay: request ${request.id} (${body.length} bytes) via ${fitsControlChannel ? 'control channel' : 'rendezvous'}`);
    if (fitsControlChannel) {
      this.#delivered = true;
      listener.sendText(encodeControlMessage({ ...request, address }), request.body ? body : undefined);
    } else {
      listener.sendText(encodeControlMessage({ type: 'requestRendezvous', address, id: request.id }));
    }
  }

  respond(response: ResponseMessage): void {
    // The protocol has one response per request, so it is the final one: an interim (1xx) status
    // cannot stand for it, nor can a number HTTP has no class for (RFC 9110 §15).
    if (response.statusCode < 200 || response.statusCode > 599) {
      this.#ctx.log(`relay: listener answered request ${this.id} with status ${response.statusCode}, which cannot be a final HTTP response`);
      this.#fail(502, `The listener answered with status ${response.statusCode}, which is not a final HTTP status.`);
      return;
    }
    this.#head = response;
    if (!response.body) {
      this.#finish(() => this.#writeResponse(response, undefined));
      return;
    }
    this.#restartDeadline();
  }

  body(bytes: Uint8Array): void {
    const head = this.#head;
    if (!head || this.#finished) return;
    const ctx = this.#ctx;
    if (bytes.length > ctx.httpBodyLimitBytes) {
      this.#fail(502, `The listener's response body is larger than ${ctx.httpBodyLimitBytes} bytes.`);
      return;
    }
    // The answer stays in memory until the sender has read it, so it is charged until then.
    const held = ctx.bodyBudget.hold();
    if (!held.grow(bytes.length)) {
      this.#fail(503, 'The emulator holds too many response bodies right now; retry later.');
      return;
    }
    this.#parts.res.once('close', () => held.release());
    this.#finish(() => this.#writeResponse(head, bytes));
  }

  abort(reason: string): void {
    this.#fail(502, `The listener went away before responding (${reason}).`);
  }

  /** 60 s for the response frame, and again for each later part of it (docs/protocol/relay.md §1.5). */
  #restartDeadline(): void {
    clearTimeout(this.#deadline);
    this.#deadline = setTimeout(() => this.#fail(504, 'The listener did not respond in time.'), this.#ctx.httpTimeoutMs);
  }

  #deliverOn(target: RequestChannel, address: string): void {
    if (this.#delivered) return;
    this.#delivered = true;
    const { request, body } = this.#parts;
    target.deliver(this, encodeControlMessage({ ...request, address }), request.body ? body : undefined);
  }

  /** The listener opened the request rendezvous this exchange offered. */
  #arrive(arrival: RendezvousArrival): void {
    const ctx = this.#ctx;
    const { req, match } = this.#parts;
    void ctx.upgrade(arrival.req, arrival.socket, arrival.head).then(
      (ws) => {
        const opened = new RequestChannel(ws, arrival.socket, match.entity, ctx.exchanges, ctx.log, ctx.listenerBacklogBytes);
        if (this.#finished) {
          opened.terminate(1000, 'The request is already answered');
          return;
        }
        // Only a channel the request itself travelled on is kept for the connection's later
        // requests: hyco-https reads requests only on those, not on one it opened to answer [U].
        if (!this.#delivered) this.#channels.bind(req.socket, match.entity, opened);
        this.#channel = opened;
        this.#deliverOn(opened, this.#rendezvous!.address);
      },
      (error: Error) => ctx.log(`relay: request rendezvous upgrade failed: ${error.message}`),
    );
  }

  #fail(status: number, message: string): void {
    this.#finish(() => replyHttp(this.#parts.res, status, describeFailure(message, this.#parts.tracker)));
  }

  #finish(write: () => void): void {
    if (this.#finished) return;
    this.#finished = true;
    const ctx = this.#ctx;
    const { req, match } = this.#parts;
    clearTimeout(this.#deadline);
    this.#stopWatchingListener?.();
    if (this.#rendezvous) ctx.rendezvous.cancel(this.#rendezvous);
    const channel = this.#channel;
    channel?.settled(this);
    // A socket the listener opened only to answer is not kept (see #arrive).
    if (channel && this.#channels.of(req.socket, match.entity) !== channel) channel.terminate(1000, 'Response complete');
    ctx.exchanges.remove(this);
    match.entity.attachments.delete(this.#attachment);
    try {
      write();
    } finally {
      this.#done();
    }
  }

  #writeResponse(response: ResponseMessage, body: Uint8Array | undefined): void {
    const { req, res } = this.#parts;
    if (res.headersSent || res.destroyed) return;
    const headers = responseHeaders(response, hostnameOf(req.headers.host) || 'relay');
    try {
      res.writeHead(response.statusCode, reasonPhrase(response.statusDescription, response.statusCode), headers);
    } catch (error) {
      // Node refuses header names/values that HTTP cannot carry; the listener's answer is unusable.
      this.#ctx.log(`relay: listener response not writable: ${(error as Error).message}`);
      res.removeHeader('Via');
      replyHttp(res, 502, describeFailure('The listener sent a response HTTP cannot carry.', this.#parts.tracker));
      return;
    }
    res.end(body && body.length > 0 ? body : undefined);
  }
}

// RFC 7230 hop-by-hop headers (core/relay/wire-rules.ts) are not forwarded, except Via (docs/protocol/relay.md §1.5).
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
