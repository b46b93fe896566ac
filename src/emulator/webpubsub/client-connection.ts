import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { WebSocket, RawData } from 'ws';
import { isRealtimeError } from '../../core/errors.js';
import { closeReason } from '../close-frames.js';
import {
  decodeUpstream,
  decodeUpstreamProtobuf,
  encodeDownstream,
  encodeDownstreamProtobuf,
  type DownstreamMessage,
  type InvokeMessage,
  type InvokeResponseMessage,
  type MessagePayload,
  type UpstreamMessage,
} from '../../core/webpubsub/frames.js';
import type { HubConnection, HubState, OutboundMessage } from './hub-state.js';
import { ConnectionPermissions } from './permissions.js';
import { ReliableSession } from './reliable.js';
import { forwardUserEvent, invokeUserEvent } from './user-events.js';
import type { Upstream, UpstreamConnection } from './upstream.js';

// One logical client connection (webpubsub note §4). For the reliable protocol it outlives its
// socket: an abnormal drop keeps the session for recovery; anything else ends it.

export const newConnectionId = (): string => randomBytes(16).toString('base64url');

export type ProtocolKind = 'json' | 'json-reliable' | 'protobuf' | 'protobuf-reliable' | 'simple';

interface FrameCodec {
  decode(frame: string | Uint8Array): UpstreamMessage;
  encode(message: DownstreamMessage): string | Uint8Array;
}

const JSON_CODEC: FrameCodec = { decode: decodeUpstream, encode: encodeDownstream };
const PROTOBUF_CODEC: FrameCodec = { decode: decodeUpstreamProtobuf, encode: encodeDownstreamProtobuf };

/** Raw clients: every frame is the `message` event, or goes to one group (note §4 "Simple"). */
export type SimpleMode = { mode: 'sendEvent' } | { mode: 'sendToGroup'; group: string };

export interface ConnectionContext {
  hub: HubState;
  upstream: Upstream;
  log: (line: string) => void;
  recoveryWindowMs: number;
}

export interface ConnectionInit {
  id: string;
  userId: string | undefined;
  roles: string[];
  groups: string[];
  kind: ProtocolKind;
  subprotocol: string | undefined;
  simpleMode: SimpleMode;
  state: string | undefined;
}

/** 1008 tells the official client not to attempt recovery (note §4). */
const CLOSE_POLICY = 1008;
// [?] The service's codes for bad frames are undocumented; these are RFC 6455's, as Microsoft's emulator uses.
const CLOSE_WRONG_FRAME_TYPE = 1003;
const CLOSE_INVALID_PAYLOAD = 1007;
const CLOSE_INTERNAL_ERROR = 1011;
const CLOSE_NORMAL = 1000;
const CLOSE_ABNORMAL = 1006;
const FRAMES_PER_TURN = 16;
const MAX_REMEMBERED_ACK_IDS = 100_000;
const OPEN = 1;

export class ClientConnection implements HubConnection {
  readonly id: string;
  readonly groups = new Set<string>();
  readonly permissions: ConnectionPermissions;
  readonly userId: string | undefined;
  readonly kind: ProtocolKind;
  readonly subprotocol: string | undefined;
  readonly simpleMode: SimpleMode;
  readonly session: ReliableSession | undefined;
  /** ce-connectionState, as last set by the upstream (note §5). */
  upstreamState: string | undefined;
  #socket: WebSocket | undefined;
  #ended = false;
  #ackIds = new Set<number>();
  #invocations = new Set<string>();
  readonly #codec: FrameCodec;
  #queue: Promise<void> = Promise.resolve();
  #framesThisTurn = 0;
  #recoveryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly context: ConnectionContext,
    init: ConnectionInit,
  ) {
    this.simpleMode = init.simpleMode;
    this.id = init.id;
    this.userId = init.userId;
    this.kind = init.kind;
    this.subprotocol = init.subprotocol;
    this.upstreamState = init.state;
    this.permissions = new ConnectionPermissions(init.roles);
    this.session = init.kind.endsWith('-reliable') ? new ReliableSession() : undefined;
    this.#codec = init.kind.startsWith('protobuf') ? PROTOBUF_CODEC : JSON_CODEC;
    context.hub.add(this);
    for (const group of init.groups) context.hub.join(this, group);
  }

  get ended(): boolean {
    return this.#ended;
  }

  attach(socket: WebSocket): void {
    this.#socket = socket;
    socket.on('message', (data, isBinary) => this.#enqueue(data, isBinary));
    socket.on('close', (code) => this.#onSocketClose(socket, code));
    socket.on('error', (error) => this.context.log(`webpubsub: connection ${this.id} socket error: ${error.message}`));
    if (this.kind !== 'simple') {
      this.#sendRaw(this.#codec.encode({ type: 'system', event: 'connected', connectionId: this.id, ...(this.userId === undefined ? {} : { userId: this.userId }), ...(this.session ? { reconnectionToken: this.session.reconnectionToken } : {}) }));
    }
  }

  /** Recovery with awps_connection_id + awps_reconnection_token: true if the session took the socket. */
  tryRecover(socket: WebSocket, token: string): boolean {
    // The session's frames (buffered ones included) are in its subprotocol; a recovery must use the same.
    if (this.#ended || !this.session || socket.protocol !== this.subprotocol) return false;
    const expected = Buffer.from(this.session.reconnectionToken);
    const given = Buffer.from(token);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
    clearTimeout(this.#recoveryTimer);
    const previous = this.#socket;
    this.#socket = undefined;
    previous?.terminate(); // a half-open socket the service had not noticed yet
    this.attach(socket);
    for (const frame of this.session.pending()) this.#sendRaw(frame);
    return true;
  }

  deliver(message: OutboundMessage): void {
    if (this.#ended) return;
    if (this.kind === 'simple') {
      const { payload } = message;
      if (payload.dataType === 'json') this.#sendRaw(JSON.stringify(payload.data));
      else this.#sendRaw(payload.data, payload.dataType !== 'text');
      return;
    }
    const build = (sequenceId?: number): string | Uint8Array => {
      const head: Record<string, unknown> = message.from === 'group' ? { from: 'group', group: message.group, ...(message.fromUserId === undefined ? {} : { fromUserId: message.fromUserId }) } : { from: 'server' };
      const { dataType, data } = message.payload;
      return this.#codec.encode({ type: 'message', ...head, dataType, data, ...(sequenceId === undefined ? {} : { sequenceId }) } as DownstreamMessage);
    };
    if (!this.session) {
      this.#sendRaw(build());
      return;
    }
    const frame = this.session.push(build, message.expiresAt);
    if (frame === undefined) {
      this.context.log(`webpubsub: connection ${this.id} exceeded the reliable buffer (1000 messages / 16 MB unacked); closing`);
      this.#terminate(CLOSE_POLICY, 'Reliable message buffer is full');
      return;
    }
    this.#sendRaw(frame);
  }

  close(reason?: string): void {
    if (this.#ended) return;
    if (this.kind !== 'simple') this.#sendRaw(this.#codec.encode({ type: 'system', event: 'disconnected', message: reason ?? '' }));
    this.#terminate(CLOSE_NORMAL, reason ?? '');
  }

  drop(): boolean {
    if (!this.#socket) return false;
    this.#socket.terminate();
    return true;
  }

  /** Ends the session for good: the socket closes with `code`, the hub forgets the connection. */
  #terminate(code: number, reason: string): void {
    const socket = this.#socket;
    this.#end(reason);
    if (socket && socket.readyState === OPEN) socket.close(code, closeReason(reason));
    else socket?.terminate();
  }

  #end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#recoveryTimer);
    this.context.hub.remove(this);
    const body = new TextEncoder().encode(JSON.stringify({ reason }));
    void this.context.upstream.send(this.context.hub.name, { system: 'disconnected' }, this.upstreamIdentity(), body, 'application/json; charset=utf-8');
  }

  #onSocketClose(socket: WebSocket, code: number): void {
    if (socket !== this.#socket || this.#ended) return;
    this.#socket = undefined;
    // Only a network-level drop (no close frame) is recoverable; a client close ends the session.
    if (this.session && code === CLOSE_ABNORMAL) {
      this.#recoveryTimer = setTimeout(() => this.#end('Recovery window expired'), this.context.recoveryWindowMs);
      this.#recoveryTimer.unref();
      return;
    }
    this.#end(`Connection closed by the client (code ${code})`);
  }

  #sendRaw(data: string | Uint8Array, binary = false): void {
    const socket = this.#socket;
    if (socket?.readyState !== OPEN) return;
    socket.send(data, { binary: typeof data !== 'string' || binary });
  }

  #enqueue(data: RawData, isBinary: boolean): void {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    this.#queue = this.#queue
      .then(async () => {
        // A burst from one socket would otherwise run to its end before any other socket is read
        // (their sequenceAcks included); the service handles connections concurrently.
        if (++this.#framesThisTurn >= FRAMES_PER_TURN) {
          this.#framesThisTurn = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (this.#ended) return;
        return this.kind === 'simple' ? this.#handleSimple(bytes, isBinary) : this.#handleJson(bytes, isBinary);
      })
      .catch((error: unknown) => {
        this.context.log(`webpubsub: connection ${this.id} closed after a bad frame: ${(error as Error).message}`);
        if (isRealtimeError(error, 'protocol')) this.#terminate(CLOSE_INVALID_PAYLOAD, `The client message is not a valid ${this.subprotocol} message`);
        else this.#terminate(CLOSE_INTERNAL_ERROR, 'Internal server error');
      });
  }

  async #handleJson(bytes: Buffer, isBinary: boolean): Promise<void> {
    // JSON subprotocols take text frames, protobuf ones binary frames (note §4).
    if (isBinary !== this.kind.startsWith('protobuf')) {
      this.#terminate(CLOSE_WRONG_FRAME_TYPE, `The ${this.subprotocol} subprotocol requires ${isBinary ? 'text' : 'binary'} frames`);
      return;
    }
    const message = this.#codec.decode(isBinary ? new Uint8Array(bytes) : bytes.toString('utf8'));
    switch (message.type) {
      case 'ping':
        this.#sendRaw(this.#codec.encode({ type: 'pong' }));
        return;
      case 'sequenceAck':
        this.session?.ack(message.sequenceId);
        return;
      case 'invoke':
        // Not awaited: an invocation may wait on the upstream while later frames (and a cancel) proceed.
        void this.#invoke(message).catch((error: unknown) => this.context.log(`webpubsub: invoke on ${this.id} failed: ${(error as Error).message}`));
        return;
      case 'cancelInvocation':
        this.#invocations.delete(message.invocationId);
        return;
      default:
        return this.#handleAckable(message);
    }
  }

  async #invoke(message: InvokeMessage): Promise<void> {
    const { invocationId } = message;
    const respond = (response: Omit<InvokeResponseMessage, 'type' | 'invocationId'>) =>
      this.#sendRaw(this.#codec.encode({ type: 'invokeResponse', invocationId, ...response } as InvokeResponseMessage));
    if (this.#invocations.has(invocationId)) {
      return respond({ success: false, error: { name: 'Duplicate', message: `Invocation ${invocationId} is already in progress` } });
    }
    this.#invocations.add(invocationId);
    const result = await invokeUserEvent(this, message.event, message.dataType === undefined ? undefined : payloadOf(message));
    // A cancelInvocation (or the end of the session) while waiting means nobody wants the answer.
    if (!this.#invocations.delete(invocationId) || this.#ended) return;
    if (!result.success) return respond({ success: false, error: result.error });
    respond(result.payload ? { success: true, dataType: result.payload.dataType, data: result.payload.data } as Omit<InvokeResponseMessage, 'type' | 'invocationId'> : { success: true });
  }

  async #handleAckable(message: Exclude<UpstreamMessage, { type: 'ping' | 'sequenceAck' | 'invoke' | 'cancelInvocation' }>): Promise<void> {
    const { ackId } = message;
    const ack = (error?: { name: string; message: string }) => {
      if (ackId !== undefined) this.#sendRaw(this.#codec.encode({ type: 'ack', ackId, success: !error, ...(error ? { error } : {}) }));
    };
    // ackId makes a publish idempotent per connection (note §4 "ack"). Only successes are remembered,
    // so a request refused as Forbidden can be retried with the same ackId once permitted.
    if (ackId !== undefined && this.#ackIds.has(ackId)) return ack({ name: 'Duplicate', message: `Message with ack-id: ${ackId} has been processed` });
    const succeed = () => {
      if (ackId !== undefined) {
        this.#ackIds.add(ackId);
        // [?] The service's de-dup window is not documented; keep the newest ids so memory stays bounded.
        if (this.#ackIds.size > MAX_REMEMBERED_ACK_IDS) this.#ackIds.delete(this.#ackIds.values().next().value!);
      }
      ack();
    };
    const { hub } = this.context;
    switch (message.type) {
      case 'joinGroup':
      case 'leaveGroup':
        if (!this.permissions.has('joinLeaveGroup', message.group)) return ack(forbidden(`join or leave group ${message.group}`));
        if (message.type === 'joinGroup') hub.join(this, message.group);
        else hub.leave(this, message.group);
        return succeed();
      case 'sendToGroup':
        if (!this.permissions.has('sendToGroup', message.group)) return ack(forbidden(`send to group ${message.group}`));
        this.publishToGroup(message.group, payloadOf(message), message.noEcho === true);
        return succeed();
      case 'event': {
        const outcome = await forwardUserEvent(this, message.event, payloadOf(message));
        if (outcome === 'failed') {
          this.#terminate(CLOSE_POLICY, 'Upstream event handler failed');
          return;
        }
        return succeed();
      }
    }
  }

  publishToGroup(group: string, payload: MessagePayload, noEcho: boolean): void {
    const fromUserId = this.userId;
    for (const member of this.context.hub.groupMembers(group)) {
      if (noEcho && member === this) continue;
      member.deliver({ from: 'group', group, payload, ...(fromUserId === undefined ? {} : { fromUserId }) });
    }
  }

  async #handleSimple(bytes: Buffer, isBinary: boolean): Promise<void> {
    const payload: MessagePayload = isBinary ? { dataType: 'binary', data: new Uint8Array(bytes) } : { dataType: 'text', data: bytes.toString('utf8') };
    if (this.simpleMode.mode === 'sendToGroup') {
      if (!this.permissions.has('sendToGroup', this.simpleMode.group)) {
        this.#terminate(CLOSE_POLICY, `Forbidden: no permission to send to group ${this.simpleMode.group}`);
        return;
      }
      this.publishToGroup(this.simpleMode.group, payload, false);
      return;
    }
    // A `message` event nobody handles, or a failing handler, closes a raw client (note §4).
    const outcome = await forwardUserEvent(this, 'message', payload);
    if (outcome !== 'delivered') this.#terminate(CLOSE_POLICY, outcome === 'unhandled' ? 'No event handler for the message event' : 'Upstream event handler failed');
  }

  /** Sends a server message to this connection now (user-event responses go to the caller only). */
  reply(payload: MessagePayload): void {
    this.deliver({ from: 'server', payload });
  }

  upstreamIdentity(): UpstreamConnection {
    return {
      connectionId: this.id,
      ...(this.userId === undefined ? {} : { userId: this.userId }),
      ...(this.subprotocol ? { subprotocol: this.subprotocol } : {}),
      ...(this.upstreamState ? { state: this.upstreamState } : {}),
    };
  }
}

function payloadOf(message: MessagePayload): MessagePayload {
  return { dataType: message.dataType, data: message.data } as MessagePayload;
}

function forbidden(action: string): { name: string; message: string } {
  return { name: 'Forbidden', message: `The connection has no permission to ${action}` };
}
