import type { DownstreamMessage, MessagePayload } from '../../core/webpubsub/frames.js';
import type { HubConnection, HubState } from './hub-state.js';
import type { ReliableSession } from './reliable.js';
import type { Subprotocol } from './subprotocols.js';
import type { Upstream, UpstreamConnection } from './upstream.js';

// Types shared by the client connection and the modules it calls (user events, handshake), in their
// own file so none of those imports another for its types.

/** Raw clients: every frame is the `message` event, or goes to one group (docs/protocol/webpubsub.md §4 "Simple"). */
export type SimpleMode = { mode: 'sendEvent' } | { mode: 'sendToGroup'; group: string };

/** Per-connection bounds (WebPubSubEmulatorOptions.limits, resolved). */
export interface ConnectionLimits {
  /** Bytes the socket may have queued for a client that is not reading before it is closed. */
  maxOutboundBufferBytes: number;
  /** Frames received but not yet handled (waiting on the upstream) before the client is closed. */
  maxUpstreamQueueFrames: number;
  maxUpstreamQueueBytes: number;
}

/** What the emulator counts, readable through RunningWebPubSubEmulator.stats(). */
export interface ConnectionCounters {
  slowClientsClosed: number;
  upstreamQueueOverflows: number;
}

export interface ConnectionContext {
  hub: HubState;
  upstream: Upstream;
  log: (line: string) => void;
  recoveryWindowMs: number;
  limits: ConnectionLimits;
  counters: ConnectionCounters;
}

export interface ConnectionInit {
  id: string;
  userId: string | undefined;
  roles: string[];
  groups: string[];
  /** Undefined for a simple (raw) client. */
  subprotocol: Subprotocol | undefined;
  simpleMode: SimpleMode;
  state: string | undefined;
}

/** The side of a client connection that user events (user-events.ts) need. */
export interface UserEventSource {
  readonly id: string;
  readonly context: ConnectionContext;
  upstreamState: string | undefined;
  upstreamIdentity(): UpstreamConnection;
  /** Sends a server message to this connection only. */
  reply(payload: MessagePayload): void;
}

/** The connection as its frame handlers (subprotocol-frames.ts, simple-frames.ts) see it. */
export interface FrameTarget {
  readonly connection: UserEventSource &
    HubConnection & {
    readonly session: ReliableSession | undefined;
    readonly ended: boolean;
    publishToGroup(group: string, payload: MessagePayload, noEcho: boolean): void;
  };
  /** Encodes a message with the connection's codec and sends it. */
  send(message: DownstreamMessage): void;
  /** Ends the session: the socket closes with `code`, the hub forgets the connection. */
  end(code: number, reason: string): void;
}
