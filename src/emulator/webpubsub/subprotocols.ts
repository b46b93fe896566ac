import {
  decodeUpstream,
  decodeUpstreamProtobuf,
  encodeDownstream,
  encodeDownstreamProtobuf,
  JSON_RELIABLE_SUBPROTOCOL,
  JSON_SUBPROTOCOL,
  PROTOBUF_RELIABLE_SUBPROTOCOL,
  PROTOBUF_SUBPROTOCOL,
  type DownstreamMessage,
  type UpstreamMessage,
} from '../../core/webpubsub/frames.js';

// The four subprotocols the emulator speaks (docs/protocol/webpubsub.md §4), each with what follows
// from it: the codec, whether messages are sequenced and kept for recovery, and the frame type its
// messages travel in. A client with none of them is a simple (raw) client.

export interface FrameCodec {
  decode(frame: string | Uint8Array): UpstreamMessage;
  encode(message: DownstreamMessage): string | Uint8Array;
}

export interface Subprotocol {
  name: string;
  kind: 'json' | 'json-reliable' | 'protobuf' | 'protobuf-reliable';
  codec: FrameCodec;
  /** Sequenced messages, acks and recovery (docs/protocol/webpubsub.md §4 "Reliable semantics"). */
  reliable: boolean;
  /** JSON subprotocols take text frames, protobuf ones binary frames. */
  binaryFrames: boolean;
}

const JSON_CODEC: FrameCodec = { decode: decodeUpstream, encode: encodeDownstream };
const PROTOBUF_CODEC: FrameCodec = { decode: decodeUpstreamProtobuf, encode: encodeDownstreamProtobuf };

const SUBPROTOCOLS: ReadonlyMap<string, Subprotocol> = new Map(
  [
    { name: JSON_SUBPROTOCOL, kind: 'json', codec: JSON_CODEC, reliable: false, binaryFrames: false } as const,
    { name: JSON_RELIABLE_SUBPROTOCOL, kind: 'json-reliable', codec: JSON_CODEC, reliable: true, binaryFrames: false } as const,
    { name: PROTOBUF_SUBPROTOCOL, kind: 'protobuf', codec: PROTOBUF_CODEC, reliable: false, binaryFrames: true } as const,
    { name: PROTOBUF_RELIABLE_SUBPROTOCOL, kind: 'protobuf-reliable', codec: PROTOBUF_CODEC, reliable: true, binaryFrames: true } as const,
  ].map((spec) => [spec.name, spec]),
);

/** The subprotocol of that name, if the emulator speaks it. */
export function subprotocolNamed(name: string | undefined): Subprotocol | undefined {
  return name === undefined ? undefined : SUBPROTOCOLS.get(name);
}
