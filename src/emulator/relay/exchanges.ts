import type { ResponseMessage } from '../../core/relay/protocol.js';

// HTTP requests in flight between the front door and a listener (docs/protocol/relay.md §1.5). A response
// may come back on the control channel or on a rendezvous socket, so exchanges are found by
// request id, not by socket.

export interface HttpExchange {
  readonly id: string;
  /** The `response` frame arrived; when `body` is true one binary message follows. */
  respond(response: ResponseMessage): void;
  /** The response body (one WebSocket message, possibly fragmented on the wire). */
  body(bytes: Uint8Array): void;
  /** The socket the response was travelling on died first. */
  abort(reason: string): void;
}

export class ExchangeTable {
  readonly #byId = new Map<string, HttpExchange>();

  add(exchange: HttpExchange): void {
    this.#byId.set(exchange.id, exchange);
  }

  remove(exchange: HttpExchange): void {
    if (this.#byId.get(exchange.id) === exchange) this.#byId.delete(exchange.id);
  }

  get(id: string): HttpExchange | undefined {
    return this.#byId.get(id);
  }
}

const DISCARD: HttpExchange = { id: '', respond: () => {}, body: () => {}, abort: () => {} };

/** Per-socket reader of `response` + body frames. */
export class ResponseReader {
  #awaitingBody: HttpExchange | undefined;
  readonly #started = new Set<HttpExchange>();

  constructor(private readonly exchanges: ExchangeTable) {}

  /** A response for an unknown id (already answered 504, say) is read and dropped, body included. */
  onResponse(response: ResponseMessage): void {
    const exchange = this.exchanges.get(response.requestId) ?? DISCARD;
    exchange.respond(response);
    if (exchange !== DISCARD) this.#started.add(exchange);
    this.#awaitingBody = response.body ? exchange : undefined;
    if (!response.body) this.#started.delete(exchange);
  }

  /** False when no body was announced: the caller treats the frame as a protocol violation. */
  onBinary(bytes: Uint8Array): boolean {
    const exchange = this.#awaitingBody;
    if (!exchange) return false;
    this.#awaitingBody = undefined;
    this.#started.delete(exchange);
    exchange.body(bytes);
    return true;
  }

  /** The socket closed: responses still owed on it fail. */
  socketClosed(reason: string): void {
    for (const exchange of this.#started) exchange.abort(reason);
    this.#started.clear();
    this.#awaitingBody = undefined;
  }
}
