import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { isRealtimeError } from '../../core/errors.js';
import { decodeControlMessage } from '../../core/relay/protocol.js';
import type { AuthOutcome } from './auth.js';
import type { HybridConnection, OnlineListener } from './entities.js';
import { ResponseReader, type ExchangeTable } from './exchanges.js';
import { closeSocket, corkedUntilCheck, frameBytes, sendBounded, sendChunks, type RequestBody } from './sockets.js';

// One listener's control channel (docs/protocol/relay.md §1.2): the service sends `accept` and `request`
// frames down it; the listener sends `response` (+ body) and `renewToken` up it. The token's
// expiry closes the channel with 1008 (docs/protocol/relay.md §1.6); a frame we cannot read closes only this
// channel, with 1008 for bad JSON/unknown messages and 1003 for an unannounced binary frame.

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ListenerSessionOptions {
  ws: WebSocket;
  /** The stream the socket was upgraded on (corked around a request and its body). */
  stream: Duplex;
  entity: HybridConnection;
  host: string;
  trackingId: string;
  /** Unix seconds; undefined when the token never expires (not possible with SAS, kept for safety). */
  tokenExpiresAt: number | undefined;
  exchanges: ExchangeTable;
  /** Bytes queued towards this listener past which it counts as not reading (closed with 1008). */
  backlogBytes: number;
  renew(token: string): Promise<AuthOutcome>;
  log(line: string): void;
}

export class ListenerSession implements OnlineListener {
  readonly trackingId: string;
  readonly host: string;
  readonly #ws: WebSocket;
  readonly #entity: HybridConnection;
  readonly #reader: ResponseReader;
  readonly #goneCallbacks = new Set<(reason: string) => void>();
  readonly #options: ListenerSessionOptions;
  #expiryTimer: NodeJS.Timeout | undefined;

  constructor(options: ListenerSessionOptions) {
    this.#options = options;
    this.#ws = options.ws;
    this.#entity = options.entity;
    this.trackingId = options.trackingId;
    this.host = options.host;
    this.#reader = new ResponseReader(options.exchanges);
    this.#entity.listeners.add(this);
    this.#scheduleExpiry(options.tokenExpiresAt);
    this.#ws.on('message', (data, isBinary) => {
      // Whatever goes wrong while handling one frame ends this channel (1011), never the process.
      try {
        this.#onMessage(data as Buffer, isBinary);
      } catch (error) {
        options.log(`relay: listener ${this.trackingId} frame handling failed: ${(error as Error).message}`);
        this.terminate(1011, 'Internal error while handling a frame');
      }
    });
    this.#ws.on('error', (error) => options.log(`relay: listener ${this.trackingId} socket error: ${error.message}`));
    this.#ws.on('close', (code) => this.#onClose(code));
    this.#ws.resume();
  }

  sendText(text: string, body?: RequestBody): void {
    const { backlogBytes } = this.#options;
    // With the other requests of this turn: one write for all of them.
    corkedUntilCheck(this.#options.stream, () => {
      if (sendBounded(this.#ws, text, backlogBytes) && body) sendChunks(this.#ws, this.#options.stream, body);
    });
  }

  /** Runs once when the channel goes away, for exchanges and rendezvous waiting on this listener. */
  onGone(callback: (reason: string) => void): () => void {
    this.#goneCallbacks.add(callback);
    return () => this.#goneCallbacks.delete(callback);
  }

  terminate(code: number, reason: string): void {
    closeSocket(this.#ws, code, reason);
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      if (!this.#reader.onBinary(frameBytes(data))) this.#violation(1003, 'Unexpected binary frame: no response body was announced');
      return;
    }
    let message;
    try {
      message = decodeControlMessage(data.toString('utf8'));
    } catch (error) {
      this.#violation(1008, isRealtimeError(error) ? error.message : 'Malformed control message');
      return;
    }
    switch (message.type) {
      case 'response':
        this.#reader.onResponse(message);
        return;
      case 'renewToken':
        void this.#renew(message.token);
        return;
      default:
        this.#violation(1008, `Unexpected '${message.type}' message from a listener`);
    }
  }

  async #renew(token: string): Promise<void> {
    let outcome: AuthOutcome;
    try {
      outcome = await this.#options.renew(token);
    } catch {
      outcome = { ok: false, status: 401, message: 'token check failed' };
    }
    if (!outcome.ok) {
      this.#options.log(`relay: listener ${this.trackingId} renewToken rejected (${outcome.status})`);
      this.terminate(1008, `renewToken rejected: ${outcome.message}`);
      return;
    }
    this.#scheduleExpiry(outcome.token?.expiresAt);
  }

  #scheduleExpiry(expiresAt: number | undefined): void {
    clearTimeout(this.#expiryTimer);
    if (expiresAt === undefined) return;
    const delay = expiresAt * 1000 - Date.now();
    if (delay <= 0) {
      this.terminate(1008, 'The token has expired');
      return;
    }
    this.#expiryTimer = setTimeout(() => this.#scheduleExpiry(expiresAt), Math.min(delay, MAX_TIMER_MS));
    this.#expiryTimer.unref();
  }

  #violation(code: 1003 | 1008, reason: string): void {
    this.#options.log(`relay: listener ${this.trackingId} closed (${code}): ${reason}`);
    this.terminate(code, reason);
  }

  #onClose(code: number): void {
    clearTimeout(this.#expiryTimer);
    this.#entity.listeners.delete(this);
    const reason = `listener control channel closed (${code})`;
    this.#reader.socketClosed(reason);
    for (const callback of [...this.#goneCallbacks]) callback(reason);
    this.#goneCallbacks.clear();
  }
}
