import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { WebSocket, RawData } from 'ws';
import { isRealtimeError } from '../../core/errors.js';
import { closeReason } from '../close-frames.js';
import {
  decodeUpstream,
  decodeUpstreamProtobuf,
  encodeDownstream,
  encodeDownstreamProtobuf,
  type AckId,
  type DownstreamMessage,
  type InvokeMessage,
  type InvokeResponseMessage,
  type MessagePayload,
  type UpstreamMessage,
} from '../../core/webpubsub/frames.js';
import type { ConnectionContext, ConnectionInit, ProtocolKind, SimpleMode } from './connection-types.js';
import type { HubConnection, OutboundMessage } from './hub-state.js';
import { ConnectionPermissions } from './permissions.js';
import { ReliableSession } from './reliable.js';
import { forwardUserEvent, invokeUserEvent } from './user-events.js';
import type { UpstreamConnection } from './upstream.js';

// One logical client connection (docs/protocol/webpubsub.md §4). For the reliable protocol it outlives
// its socket: an abnormal drop keeps the session for recovery; anything else ends it.

export const newConnectionId = (): string => randomBytes(16).toString('base64url');

interface FrameCodec {
  decode(frame: string | Uint8Array): UpstreamMessage;
  encode(message: DownstreamMessage): string | Uint8Array;
}

const JSON_CODEC: FrameCodec = { decode: decodeUpstream, encode: encodeDownstream };
const PROTOBUF_CODEC: FrameCodec = { decode: decodeUpstreamProtobuf, encode: encodeDownstreamProtobuf };

/** 1008 tells the official client not to attempt recovery (docs/protocol/webpubsub.md §4). */
const CLOSE_POLICY = 1008;
// [?] The service's codes for bad frames are undocumented; these are RFC 6455's, as Microsoft's emulator uses.
const CLOSE_WRONG_FRAME_TYPE = 1003;
const CLOSE_INVALID_PAYLOAD = 1007;
const CLOSE_INTERNAL_ERROR = 1011;
const CLOSE_NORMAL = 1000;
/** [?] The service's code for shedding load is undocumented; RFC 6455's "try again later". */
const CLOSE_TRY_AGAIN_LATER = 1013;
/** A slow reader gets its close frame this long before the socket is cut (it may never read it). */
const SLOW_CLIENT_CLOSE_GRACE_MS = 1000;
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
  /** ce-connectionState, as last set by the upstream (docs/protocol/webpubsub.md §5). */
  upstreamState: string | undefined;
  #socket: WebSocket | undefined;
  #ended = false;
  #ackIds = new Set<AckId>();
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

  /** A socket is attached; a reliable session waiting for its client to recover has none. */
  get online(): boolean {
    return this.#socket !== undefined;
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

  /**
   * Whether a recovery (awps_connection_id + awps_reconnection_token) on `subprotocol` would be taken;
   * checked before the socket is upgraded, and again when it is handed over.
   */
  canRecover(subprotocol: string | undefined, token: string): boolean {
    // The session's frames (buffered ones included) are in its subprotocol; a recovery must use the same.
    if (this.#ended || !this.session || subprotocol !== this.subprotocol) return false;
    const expected = Buffer.from(this.session.reconnectionToken);
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** Hands an upgraded socket to the session: true if it took it. */
  tryRecover(socket: WebSocket, token: string): boolean {
    if (!this.canRecover(socket.protocol, token)) return false;
    clearTimeout(this.#recoveryTimer);
    const previous = this.#socket;
    this.#socket = undefined;
    previous?.terminate(); // a half-open socket the service had not noticed yet
    this.attach(socket);
    // canRecover checked the session exists
    for (const frame of this.session!.pending()) this.#sendRaw(frame);
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
  #terminate(code: number, reason: string, graceMs?: number): void {
    const socket = this.#socket;
    this.#end(reason);
    if (socket && socket.readyState === OPEN) {
      socket.close(code, closeReason(reason));
      if (graceMs !== undefined) setTimeout(() => socket.terminate(), graceMs).unref();
    } else socket?.terminate();
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
    // The service closes clients that do not read (issue: 1.4 GB queued for one); bufferedAmount is what
    // ws holds for this socket beyond what the kernel took.
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    if (socket.bufferedAmount + size > this.context.limits.maxOutboundBufferBytes) {
      this.context.counters.slowClientsClosed++;
      this.context.log(`webpubsub: connection ${this.id} is not reading (over ${this.context.limits.maxOutboundBufferBytes} bytes queued); closing`);
      this.#terminate(CLOSE_POLICY, 'The client is not reading its messages fast enough', SLOW_CLIENT_CLOSE_GRACE_MS);
      return;
    }
    socket.send(data, { binary: typeof data !== 'string' || binary });
  }

  /** Frames received and not yet handled: bounded, or a slow upstream lets one client queue without end. */
  #pendingFrames = 0;
  #pendingBytes = 0;

  #enqueue(data: RawData, isBinary: boolean): void {
    if (this.#ended) return;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const { limits } = this.context;
    if (this.#pendingFrames + 1 > limits.maxUpstreamQueueFrames || this.#pendingBytes + bytes.length > limits.maxUpstreamQueueBytes) {
      // [?] What the service does when a client outruns its event handler is undocumented; closing
      // (rather than dropping frames silently) tells the client, and loses nothing it was told was sent.
      this.context.counters.upstreamQueueOverflows++;
      this.context.log(`webpubsub: connection ${this.id} has over ${limits.maxUpstreamQueueFrames} frames / ${limits.maxUpstreamQueueBytes} bytes waiting for the event handler; closing`);
      this.#terminate(CLOSE_TRY_AGAIN_LATER, 'Too many messages waiting for the event handler');
      return;
    }
    this.#pendingFrames++;
    this.#pendingBytes += bytes.length;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#pendingFrames--;
      this.#pendingBytes -= bytes.length;
    };
    // An invoke is answered later without holding up the frames behind it; it stays counted until then.
    let detached: Promise<unknown> | undefined;
    this.#queue = this.#queue
      .then(async () => {
        // A burst from one socket would otherwise run to its end before any other socket is read
        // (their sequenceAcks included); the service handles connections concurrently.
        if (++this.#framesThisTurn >= FRAMES_PER_TURN) {
          this.#framesThisTurn = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (this.#ended) return;
        if (this.kind === 'simple') return this.#handleSimple(bytes, isBinary);
        detached = (await this.#handleJson(bytes, isBinary))?.running;
      })
      .catch((error: unknown) => {
        this.context.log(`webpubsub: connection ${this.id} closed after a bad frame: ${(error as Error).message}`);
        if (isRealtimeError(error, 'protocol')) this.#terminate(CLOSE_INVALID_PAYLOAD, `The client message is not a valid ${this.subprotocol} message`);
        else this.#terminate(CLOSE_INTERNAL_ERROR, 'Internal server error');
      })
      .finally(() => (detached ? void detached.finally(release) : release()));
  }

  /** Handles one frame; resolves to the work still running for it (an invoke), if any. */
  async #handleJson(bytes: Buffer, isBinary: boolean): Promise<{ running: Promise<unknown> } | undefined> {
    // JSON subprotocols take text frames, protobuf ones binary frames (docs/protocol/webpubsub.md §4).
    if (isBinary !== this.kind.startsWith('protobuf')) {
      this.#terminate(CLOSE_WRONG_FRAME_TYPE, `The ${this.subprotocol} subprotocol requires ${isBinary ? 'text' : 'binary'} frames`);
      return;
    }
    const message = this.#codec.decode(isBinary ? new Uint8Array(bytes) : bytes.toString('utf8'));
    switch (message.type) {
      case 'ping':
        this.#sendRaw(this.#codec.encode({ type: 'pong' }));
        return undefined;
      case 'sequenceAck':
        this.session?.ack(message.sequenceId);
        return undefined;
      case 'invoke':
        // Not awaited: an invocation may wait on the upstream while later frames (and a cancel) proceed.
        return { running: this.#invoke(message).catch((error: unknown) => this.context.log(`webpubsub: invoke on ${this.id} failed: ${(error as Error).message}`)) };
      case 'cancelInvocation':
        this.#invocations.delete(message.invocationId);
        return undefined;
      default:
        await this.#handleAckable(message);
        return undefined;
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
    // ackId makes a publish idempotent per connection (docs/protocol/webpubsub.md §4 "ack"). Only successes are remembered,
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
    let recipients = 0;
    for (const member of this.context.hub.groupMembers(group)) {
      if (noEcho && member === this) continue;
      member.deliver({ from: 'group', group, payload, ...(fromUserId === undefined ? {} : { fromUserId }) });
      recipients++;
    }
    this.context.hub.tail?.record(this.context.hub.name, 'group', group, 'group', fromUserId, payload, recipients);
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
    // A `message` event nobody handles, or a failing handler, closes a raw client (docs/protocol/webpubsub.md §4).
    const outcome = await forwardUserEvent(this, 'message', payload);
    if (outcome !== 'delivered') this.#terminate(CLOSE_POLICY, outcome === 'unhandled' ? 'No event handler for the message event' : 'Upstream event handler failed');
  }

  /** Sends a server message to this connection now (user-event responses go to the caller only). */
  reply(payload: MessagePayload): void {
    this.deliver({ from: 'server', payload });
    this.context.hub.tail?.record(this.context.hub.name, 'connection', this.id, 'server', undefined, payload, this.#ended ? 0 : 1);
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
