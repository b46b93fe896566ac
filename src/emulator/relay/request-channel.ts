import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { isRealtimeError } from '../../core/errors.js';
import { decodeControlMessage } from '../../core/relay/protocol.js';
import type { EntityAttachment, HybridConnection } from './entities.js';
import { ResponseReader, type ExchangeTable, type HttpExchange } from './exchanges.js';
import { closeSocket, corked, frameBytes, sendBounded, sendChunks, type RequestBody } from './sockets.js';

// A rendezvous socket opened by the listener for HTTP (`sb-hc-action=request`, docs/protocol/relay.md §1.5):
// the service sends requests down it, the listener answers with `response` (+ body). Once one
// exists for a sender's HTTP connection, later requests on that connection use it too, and it
// lives as long as that connection. If the listener closes it, the sender is dropped.

export class RequestChannel implements EntityAttachment {
  readonly kind = 'request-channel' as const;
  readonly #ws: WebSocket;
  readonly #reader: ResponseReader;
  readonly #entity: HybridConnection;
  readonly #delivered = new Set<HttpExchange>();
  readonly #closedCallbacks = new Set<() => void>();
  readonly #backlogBytes: number;
  readonly #stream: Duplex;

  /** `stream`: what `ws` was upgraded on (corked around a request and its body). */
  constructor(ws: WebSocket, stream: Duplex, entity: HybridConnection, exchanges: ExchangeTable, log: (line: string) => void, backlogBytes: number) {
    this.#backlogBytes = backlogBytes;
    this.#ws = ws;
    this.#stream = stream;
    this.#entity = entity;
    this.#reader = new ResponseReader(exchanges);
    entity.attachments.add(this);
    ws.on('message', (data, isBinary) => {
      try {
        this.#onMessage(data as Buffer, isBinary, log);
      } catch (error) {
        log(`relay: request rendezvous frame handling failed: ${(error as Error).message}`);
        this.terminate(1011, 'Internal error while handling a frame');
      }
    });
    ws.on('error', (error) => log(`relay: request rendezvous socket error: ${error.message}`));
    ws.on('close', () => this.#onClose());
    ws.resume();
  }

  get open(): boolean {
    return this.#ws.readyState === this.#ws.OPEN;
  }

  /** Sends a request (text frame, then the body as one binary message when there is one). */
  deliver(exchange: HttpExchange, requestText: string, body: RequestBody | undefined): void {
    this.#delivered.add(exchange);
    // Checked before the request: what a previous request left queued must have drained first.
    if (!body) {
      sendBounded(this.#ws, requestText, this.#backlogBytes);
      return;
    }
    corked(this.#stream, () => {
      if (sendBounded(this.#ws, requestText, this.#backlogBytes)) sendChunks(this.#ws, this.#stream, body);
    });
  }

  /** The exchange finished; the channel stays open for the next request on the same connection. */
  settled(exchange: HttpExchange): void {
    this.#delivered.delete(exchange);
  }

  onClosed(callback: () => void): void {
    this.#closedCallbacks.add(callback);
  }

  terminate(code: number, reason: string): void {
    closeSocket(this.#ws, code, reason);
  }

  #onMessage(data: Buffer, isBinary: boolean, log: (line: string) => void): void {
    if (isBinary) {
      if (!this.#reader.onBinary(frameBytes(data))) this.#violation(1003, 'Unexpected binary frame: no response body was announced', log);
      return;
    }
    try {
      const message = decodeControlMessage(data.toString('utf8'));
      if (message.type !== 'response') {
        this.#violation(1008, `Unexpected '${message.type}' message on a request rendezvous`, log);
        return;
      }
      this.#reader.onResponse(message);
    } catch (error) {
      this.#violation(1008, isRealtimeError(error) ? error.message : 'Malformed control message', log);
    }
  }

  #violation(code: 1003 | 1008, reason: string, log: (line: string) => void): void {
    log(`relay: request rendezvous closed (${code}): ${reason}`);
    this.terminate(code, reason);
  }

  #onClose(): void {
    this.#entity.attachments.delete(this);
    this.#reader.socketClosed('request rendezvous closed');
    for (const exchange of this.#delivered) exchange.abort('request rendezvous closed');
    this.#delivered.clear();
    for (const callback of this.#closedCallbacks) callback();
    this.#closedCallbacks.clear();
  }
}
