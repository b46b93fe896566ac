import type { Duplex } from 'node:stream';
import type { Connection } from 'rhea';
import type WebSocket from 'ws';
import { redactSecrets } from '../../core/errors.js';
import type { AmqpSocket, EventHubsAmqpService } from './amqp-service.js';
import type { GuardedConnection } from '../host/connection-guard.js';
import { FrameGuard, type FrameGuardLimits, type FrameViolation, type GuardAction } from './frame-guard.js';
import { dropFramesOnEndedSessions } from './ended-sessions.js';
import { setOutboundBudget, transportBudget } from './outbound-budget.js';
import { releaseOversizeDelivery, skipWithheldTransfer } from './rhea-transfers.js';
import { saslOutcomeOf } from './sasl.js';
import { SaslHandover } from './sasl-handover.js';

// Puts one client byte stream (TCP, TLS, or WebSocket binary frames) in front of rhea through
// the frame guard. A violation or a rhea parse error closes only this connection: with an AMQP
// `close` carrying the error once the connection is open, else with our protocol header.

export interface RawTransport {
  onData(handler: (chunk: Buffer) => void): void;
  onEnd(handler: () => void): void;
  onError(handler: (error: Error) => void): void;
  write(data: Buffer): void;
  end(): void;
  destroy(): void;
  /** Bytes written and not yet sent. */
  buffered(): number;
  onDrain(handler: () => void): void;
}

export function streamTransport(stream: Duplex): RawTransport {
  return {
    onData: (handler) => stream.on('data', (chunk: Buffer) => handler(chunk)),
    onEnd: (handler) => {
      stream.on('end', handler);
      stream.on('close', handler);
    },
    onError: (handler) => stream.on('error', handler),
    write: (data) => {
      if (!stream.destroyed && stream.writable) stream.write(data);
    },
    end: () => stream.end(),
    destroy: () => stream.destroy(),
    buffered: () => stream.writableLength,
    onDrain: (handler) => stream.on('drain', handler),
  };
}

export function webSocketTransport(socket: WebSocket, onTextFrame: () => void): RawTransport {
  return {
    onData: (handler) =>
      socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
        // AMQP rides in binary frames only; a text frame is a protocol violation (docs/protocol/eventhubs.md §8).
        if (!isBinary) return onTextFrame();
        handler(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer));
      }),
    onEnd: (handler) => socket.on('close', handler),
    onError: (handler) => socket.on('error', handler),
    write: (data) => {
      if (socket.readyState === socket.OPEN) socket.send(data, { binary: true });
    },
    end: () => socket.close(1000),
    destroy: () => socket.terminate(),
    buffered: () => socket.bufferedAmount,
    // ws has no drain event of its own; its socket's is the one that says the buffer emptied.
    onDrain: (handler) => (socket as unknown as { _socket?: Duplex })._socket?.on('drain', handler),
  };
}

const CLOSE_GRACE_MS = 2000;
const AMQP_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0]);

function conditionFor(error: unknown): string {
  const name = (error as Error)?.name;
  const message = String((error as Error)?.message ?? error);
  if (name === 'TypeError' || name === 'RangeError' || /typecode|decode|width/i.test(message)) return 'amqp:decode-error';
  if (name === 'ProtocolError' && /frame|header|protocol id|SASL/i.test(message)) return 'amqp:connection:framing-error';
  if (name === 'ProtocolError' || /sequence|handle|already received|after detach|channel/i.test(message)) return 'amqp:illegal-state';
  return 'amqp:internal-error';
}

export interface WireLimits extends FrameGuardLimits {
  /** Unsent bytes per connection before consumer links pause (outbound-budget.ts). */
  maxOutboundBytes: number;
}

export interface ServeOptions {
  transport: 'tcp' | 'tls' | 'ws' | 'wss';
  limits: WireLimits;
  /** The connection guard's entry for the socket underneath, if any: passed once open and authorized. */
  guarded?: GuardedConnection | undefined;
  log?: (line: string) => void;
}

export function serveAmqp(service: EventHubsAmqpService, raw: RawTransport, prefix: Buffer, options: ServeOptions): void {
  const { log, limits } = options;
  log?.(`eventhubs: accepted an AMQP connection over ${options.transport}`);
  let connection: Connection | undefined;
  // Few sessions and links until the connection holds a grant (open-links.ts).
  const guard = new FrameGuard(limits, () => connection !== undefined && service.isAuthorized(connection));
  const handlers: { data?: (chunk: Buffer) => void; end?: () => void; error?: (error: Error) => void } = {};
  let closing = false;
  let ended = false;

  const finish = (): void => {
    if (ended) return;
    ended = true;
    // Let a close frame queued in this tick reach the wire first, then stop reading and go.
    setImmediate(() => raw.end());
    setTimeout(() => raw.destroy(), CLOSE_GRACE_MS).unref();
  };

  const violate = (condition: string, description: string, phase: FrameViolation['phase']): void => {
    if (closing) return;
    closing = true;
    log?.(`eventhubs: closing connection: ${condition}: ${redactSecrets(description)}`);
    if (phase === 'header' || !connection?.is_open()) {
      if (phase === 'header') raw.write(AMQP_HEADER);
      finish();
      return;
    }
    connection.close({ condition, description });
    finish();
  };

  // rhea writes every frame on its own; the frames of one tick leave in one write (one syscall,
  // one WebSocket message) instead of one per transfer.
  let corked: Buffer[] = [];
  let corkedBytes = 0;
  const flush = (): void => {
    const frames = corked;
    corked = [];
    corkedBytes = 0;
    if (frames.length > 0) raw.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  };

  const socket: AmqpSocket = {
    on(event, handler) {
      if (event === 'data') handlers.data = handler as (chunk: Buffer) => void;
      else if (event === 'end') handlers.end = handler as () => void;
      else handlers.error = handler as (error: Error) => void;
    },
    write: (data) => {
      if (ended && !closing) return;
      if (corked.length === 0) process.nextTick(flush);
      corked.push(data);
      corkedBytes += data.length;
    },
    end: finish,
    destroy: () => raw.destroy(),
  };

  const act = (action: GuardAction): void => {
    if (action.kind === 'forward') handlers.data?.(action.bytes);
    else if (action.kind === 'oversize') releaseOversizeDelivery(connection, action);
    else if (action.kind === 'dropped') skipWithheldTransfer(connection, action.channel, action.deliveryId);
  };

  // Bytes pipelined behind sasl-init wait for rhea's SASL outcome (sasl-handover.ts).
  const handover = new SaslHandover({
    outcome: () => saslOutcomeOf(connection),
    act,
    violate: (violation) => violate(violation.condition, violation.description, violation.phase),
    stopped: () => closing || ended,
  });

  const deliver = (chunk: Buffer): void => {
    if (closing || ended) return;
    handover.take(guard.push(chunk));
  };

  let endSignalled = false;
  raw.onData(deliver);
  raw.onEnd(() => {
    if (endSignalled) return;
    endSignalled = true;
    ended = true;
    handlers.end?.();
  });
  raw.onError((error) => handlers.error?.(error));
  connection = service.accept(socket, (_connection, error) => {
    violate(conditionFor(error), String((error as Error)?.message ?? error), 'frames');
  });
  dropFramesOnEndedSessions(connection);
  setOutboundBudget(connection, transportBudget(limits.maxOutboundBytes, () => corkedBytes + raw.buffered(), raw.onDrain));
  const opened = connection;
  // The handshake deadline (connection-guard.ts) is met once the connection is open and holds a
  // grant (a CBS token or SASL PLAIN), checked when the deadline comes.
  options.guarded?.passWhen(() => opened.is_open() && service.isAuthorized(opened));
  if (prefix.length > 0) deliver(prefix);
}

export function rejectTextFrame(socket: WebSocket): void {
  socket.close(1003, 'AMQP over WebSocket uses binary frames');
}
