import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { WebSocket, RawData } from 'ws';
import { isRealtimeError } from '../../core/errors.js';
import type { DownstreamMessage, MessagePayload } from '../../core/webpubsub/frames.js';
import { closeReason } from '../close-frames.js';
import { CLOSE_ABNORMAL, CLOSE_INTERNAL_ERROR, CLOSE_INVALID_PAYLOAD, CLOSE_NORMAL, CLOSE_POLICY, CLOSE_TRY_AGAIN_LATER } from './close-codes.js';
import type { ConnectionContext, ConnectionInit, FrameTarget, SimpleMode } from './connection-types.js';
import type { HubConnection } from './hub-state.js';
import { InboundQueue } from './inbound-queue.js';
import { OutboundMessage } from './outbound-message.js';
import { ConnectionPermissions } from './permissions.js';
import { ReliableSession } from './reliable.js';
import { handleSimpleFrame } from './simple-frames.js';
import { SubprotocolFrames } from './subprotocol-frames.js';
import type { Subprotocol } from './subprotocols.js';
import type { UpstreamConnection } from './upstream.js';
import { frameOf, OPCODE_BINARY, OPCODE_TEXT } from '../ws-frame.js';

// One logical client connection (docs/protocol/webpubsub.md §4): its socket, its place in the hub,
// and what it is sent. For the reliable subprotocols it outlives its socket: an abnormal drop keeps
// the session for recovery; anything else ends it. What the client sends is handled by
// subprotocol-frames.ts or simple-frames.ts, one frame at a time (inbound-queue.ts).

export const newConnectionId = (): string => randomBytes(16).toString('base64url');

/** A slow reader gets its close frame this long before the socket is cut (it may never read it). */
const SLOW_CLIENT_CLOSE_GRACE_MS = 1000;
const OPEN = 1;
const NO_GROUPS: ReadonlySet<string> = new Set();

/** The socket's connection, for the socket listeners (shared functions, not closures per connection). */
const CONNECTION = Symbol('webpubsub connection');
type AttachedSocket = WebSocket & { [CONNECTION]?: ClientConnection };

export class ClientConnection implements HubConnection {
  readonly id: string;
  readonly userId: string | undefined;
  /** Undefined for a simple (raw) client. */
  readonly protocol: Subprotocol | undefined;
  readonly simpleMode: SimpleMode;
  readonly session: ReliableSession | undefined;
  /** ce-connectionState, as last set by the upstream (docs/protocol/webpubsub.md §5). */
  upstreamState: string | undefined;
  #socket: WebSocket | undefined;
  /** The stream `ws` writes #socket's frames to: prebuilt frames are written to it directly. */
  #stream: Duplex | undefined;
  #ended = false;
  #recoveryTimer: NodeJS.Timeout | undefined;
  // Created when first needed: an idle connection (the common case, in thousands) carries none of them.
  #groups: Set<string> | undefined;
  #permissions: ConnectionPermissions | undefined;
  #inbound: InboundQueue | undefined;
  #frames: SubprotocolFrames | undefined;
  #target: FrameTarget | undefined;

  constructor(
    readonly context: ConnectionContext,
    init: ConnectionInit,
  ) {
    this.simpleMode = init.simpleMode;
    this.id = init.id;
    this.userId = init.userId;
    this.protocol = init.subprotocol;
    this.upstreamState = init.state;
    if (init.roles.length > 0) this.#permissions = new ConnectionPermissions(init.roles);
    this.session = this.protocol?.reliable ? new ReliableSession() : undefined;
    context.hub.add(this);
    for (const group of init.groups) context.hub.join(this, group);
  }

  get permissions(): ConnectionPermissions {
    return (this.#permissions ??= new ConnectionPermissions());
  }

  get groups(): ReadonlySet<string> {
    return this.#groups ?? NO_GROUPS;
  }

  noteGroup(group: string, joined: boolean): void {
    if (joined) (this.#groups ??= new Set()).add(group);
    else if (this.#groups?.delete(group) && this.#groups.size === 0) this.#groups = undefined;
  }

  /** The subprotocol's name, as the client asked for it. */
  get subprotocol(): string | undefined {
    return this.protocol?.name;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** A socket is attached; a reliable session waiting for its client to recover has none. */
  get online(): boolean {
    return this.#socket !== undefined;
  }

  /** `stream` is what the socket was upgraded on (ws writes its frames there too, in call order). */
  attach(socket: WebSocket, stream: Duplex): void {
    this.#socket = socket;
    this.#stream = stream;
    (socket as AttachedSocket)[CONNECTION] = this;
    socket.on('message', ClientConnection.#onMessage);
    socket.on('close', ClientConnection.#onClose);
    // Socket errors: the upgrader's listener (host/upgrade.ts) logs them and terminates the socket.
    if (this.protocol) {
      this.#send({ type: 'system', event: 'connected', connectionId: this.id, ...(this.userId === undefined ? {} : { userId: this.userId }), ...(this.session ? { reconnectionToken: this.session.reconnectionToken } : {}) });
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
  tryRecover(socket: WebSocket, stream: Duplex, token: string): boolean {
    if (!this.canRecover(socket.protocol, token)) return false;
    clearTimeout(this.#recoveryTimer);
    const previous = this.#socket;
    this.#socket = undefined;
    previous?.terminate(); // a half-open socket the service had not noticed yet
    this.attach(socket, stream);
    // canRecover checked the session exists
    for (const frame of this.session!.pending()) this.#write(frame);
    return true;
  }

  /** Sends a data message; a fan-out passes the same OutboundMessage to every recipient. */
  deliver(message: OutboundMessage): void {
    if (this.#ended) return;
    const protocol = this.protocol;
    if (!protocol) return this.#write(message.simpleFrame());
    const session = this.session;
    if (!session) return this.#write(message.frameFor(protocol));
    const frames = message.sequencedFor(protocol);
    const sequenceId = session.push(frames, message.expiresAt);
    if (sequenceId === undefined) {
      this.context.log(`webpubsub: connection ${this.id} exceeded the reliable buffer (1000 messages / 16 MB unacked); closing`);
      this.#terminate(CLOSE_POLICY, 'Reliable message buffer is full');
      return;
    }
    this.#write(frames.frame(sequenceId));
  }

  close(reason?: string): void {
    if (this.#ended) return;
    if (this.protocol) this.#send({ type: 'system', event: 'disconnected', message: reason ?? '' });
    this.#terminate(CLOSE_NORMAL, reason ?? '');
  }

  drop(): boolean {
    if (!this.#socket) return false;
    this.#socket.terminate();
    return true;
  }

  /** Fan-out of a client's group message to the group's members. */
  publishToGroup(group: string, payload: MessagePayload, noEcho: boolean): void {
    const fromUserId = this.userId;
    let message: OutboundMessage | undefined;
    let recipients = 0;
    for (const member of this.context.hub.groupMembers(group)) {
      if (noEcho && member === this) continue;
      member.deliver((message ??= new OutboundMessage({ from: 'group', group, payload, ...(fromUserId === undefined ? {} : { fromUserId }) })));
      recipients++;
    }
    this.context.hub.tail?.record(this.context.hub.name, 'group', group, 'group', fromUserId, payload, recipients);
  }

  /** Sends a server message to this connection now (user-event responses go to the caller only). */
  reply(payload: MessagePayload): void {
    this.deliver(new OutboundMessage({ from: 'server', payload }));
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

  static #onMessage(this: AttachedSocket, data: RawData, isBinary: boolean): void {
    const connection = this[CONNECTION];
    if (connection) connection.#receive(data, isBinary);
  }

  static #onClose(this: AttachedSocket, code: number): void {
    const connection = this[CONNECTION];
    if (connection) connection.#onSocketClose(this, code);
  }

  /** What the frame handlers act on; made on the first frame the client sends. */
  #frameTarget(): FrameTarget {
    return (this.#target ??= {
      connection: this,
      send: (message) => this.#send(message),
      end: (code, reason) => this.#terminate(code, reason),
    });
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

  /** A message of this connection alone (acks, pongs, system messages). */
  #send(message: DownstreamMessage): void {
    const protocol = this.protocol;
    if (protocol) this.#write(frameOf(protocol.binaryFrames ? OPCODE_BINARY : OPCODE_TEXT, protocol.codec.encode(message)));
  }

  /** Writes a whole frame (or its pieces, in order) to the socket's stream. */
  #write(frame: Buffer | Buffer[]): void {
    const socket = this.#socket;
    if (socket?.readyState !== OPEN) return;
    const stream = this.#stream!;
    // The service closes clients that do not read (issue: 1.4 GB queued for one); bufferedAmount is what
    // ws holds for this socket beyond what the kernel took, frames written here included.
    const size = Array.isArray(frame) ? frame.reduce((sum, piece) => sum + piece.length, 0) : frame.length;
    if (socket.bufferedAmount + size > this.context.limits.maxOutboundBufferBytes) {
      this.context.counters.slowClientsClosed++;
      this.context.log(`webpubsub: connection ${this.id} is not reading (over ${this.context.limits.maxOutboundBufferBytes} bytes queued); closing`);
      this.#terminate(CLOSE_POLICY, 'The client is not reading its messages fast enough', SLOW_CLIENT_CLOSE_GRACE_MS);
      return;
    }
    // Straight to the stream, as ws's own send would after framing: ws queues nothing of its own here
    // (no permessage-deflate is negotiated, no Blob is sent), so frames keep their order with ws's
    // control frames (close, pong).
    if (!Array.isArray(frame)) {
      stream.write(frame);
      return;
    }
    stream.cork();
    for (const piece of frame) stream.write(piece);
    stream.uncork();
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (this.#ended) return;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const queued = (this.#inbound ??= new InboundQueue(this.context.limits)).push(
      bytes.length,
      async () => {
        if (this.#ended) return undefined;
        if (!this.protocol) return void (await handleSimpleFrame(this.#frameTarget(), this.simpleMode, bytes, isBinary));
        return (this.#frames ??= new SubprotocolFrames(this.protocol, this.#frameTarget())).handle(bytes, isBinary);
      },
      (error) => {
        this.context.log(`webpubsub: connection ${this.id} closed after a bad frame: ${(error as Error).message}`);
        if (isRealtimeError(error, 'protocol')) this.#terminate(CLOSE_INVALID_PAYLOAD, `The client message is not a valid ${this.subprotocol} message`);
        else this.#terminate(CLOSE_INTERNAL_ERROR, 'Internal server error');
      },
    );
    if (!queued) {
      // [?] What the service does when a client outruns its event handler is undocumented; closing
      // (rather than dropping frames silently) tells the client, and loses nothing it was told was sent.
      const { limits } = this.context;
      this.context.counters.upstreamQueueOverflows++;
      this.context.log(`webpubsub: connection ${this.id} has over ${limits.maxUpstreamQueueFrames} frames / ${limits.maxUpstreamQueueBytes} bytes waiting for the event handler; closing`);
      this.#terminate(CLOSE_TRY_AGAIN_LATER, 'Too many messages waiting for the event handler');
    }
  }
}
