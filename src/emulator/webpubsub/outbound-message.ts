import type { DownstreamMessage, MessagePayload } from '../../core/webpubsub/frames.js';
import { JsonSequencedFrames, ProtobufSequencedFrames, type SequencedFrames } from './sequenced-frames.js';
import type { Subprotocol } from './subprotocols.js';
import { frameOf, OPCODE_BINARY, OPCODE_TEXT } from '../ws-frame.js';

// One message the service sends to one or many connections (a REST send, a group publish, a user
// event's reply). It is encoded at most once per encoding — raw, JSON, protobuf — and framed once:
// every recipient on the same encoding is written the same bytes, or for the reliable subprotocols
// the same bytes with its own sequenceId spliced in (sequenced-frames.ts).

export interface OutboundMessageInit {
  from: 'group' | 'server';
  group?: string;
  fromUserId?: string;
  payload: MessagePayload;
  /** From `messageTtlSeconds` (ms since epoch). */
  expiresAt?: number;
}

export class OutboundMessage {
  readonly from: 'group' | 'server';
  readonly group: string | undefined;
  readonly fromUserId: string | undefined;
  readonly payload: MessagePayload;
  readonly expiresAt: number | undefined;
  // Filled on first use: most sends reach one encoding only.
  #simple: Buffer | undefined;
  #json: Buffer | undefined;
  #protobuf: Buffer | undefined;
  #jsonSequenced: SequencedFrames | undefined;
  #protobufSequenced: SequencedFrames | undefined;

  constructor(init: OutboundMessageInit) {
    this.from = init.from;
    this.group = init.group;
    this.fromUserId = init.fromUserId;
    this.payload = init.payload;
    this.expiresAt = init.expiresAt;
  }

  /** The frame for a simple (raw) client: the payload itself, JSON as its text (docs/protocol/webpubsub.md §4 "Simple"). */
  simpleFrame(): Buffer {
    const { payload } = this;
    if (payload.dataType === 'json') return (this.#simple ??= frameOf(OPCODE_TEXT, JSON.stringify(payload.data)));
    return (this.#simple ??= frameOf(payload.dataType === 'text' ? OPCODE_TEXT : OPCODE_BINARY, payload.data));
  }

  /** The frame for a connection on a subprotocol without sequence ids. */
  frameFor(protocol: Subprotocol): Buffer {
    if (protocol.binaryFrames) return (this.#protobuf ??= frameOf(OPCODE_BINARY, protocol.codec.encode(this.#message())));
    return (this.#json ??= frameOf(OPCODE_TEXT, protocol.codec.encode(this.#message())));
  }

  /** The frames for connections on a reliable subprotocol, one per sequenceId. */
  sequencedFor(protocol: Subprotocol): SequencedFrames {
    if (protocol.binaryFrames) return (this.#protobufSequenced ??= new ProtobufSequencedFrames(protocol.codec.encode(this.#message()) as Uint8Array));
    return (this.#jsonSequenced ??= new JsonSequencedFrames(protocol.codec.encode(this.#message()) as string));
  }

  #message(): DownstreamMessage {
    const { dataType, data } = this.payload;
    if (this.from === 'server') return { type: 'message', from: 'server', dataType, data } as DownstreamMessage;
    return { type: 'message', from: 'group', group: this.group!, ...(this.fromUserId === undefined ? {} : { fromUserId: this.fromUserId }), dataType, data } as DownstreamMessage;
  }
}
