import type { MessagePayload } from './frames-payload.js';

// The message types of the Web PubSub client subprotocols (docs/protocol/webpubsub.md §4), in a file of
// their own so both codecs (frames.ts for JSON, frames-protobuf.ts for protobuf) import them without
// importing each other.

/** A uint64 on the wire: a number up to 2^53, a bigint above (clients outside JS may use the whole range). */
export type AckId = number | bigint;

// ---- client → service ----
export interface JoinGroupMessage { type: 'joinGroup'; group: string; ackId?: AckId }
export interface LeaveGroupMessage { type: 'leaveGroup'; group: string; ackId?: AckId }
export type SendToGroupMessage = { type: 'sendToGroup'; group: string; ackId?: AckId; noEcho?: boolean } & MessagePayload;
export type SendEventMessage = { type: 'event'; event: string; ackId?: AckId } & MessagePayload;
export interface SequenceAckMessage { type: 'sequenceAck'; sequenceId: number }
export interface PingMessage { type: 'ping' }
/** invoke/invokeResponse may carry no payload at all (the JS client sends dataType+data only together). */
export type OptionalPayload = MessagePayload | { dataType?: undefined; data?: undefined };
/** Request/response user event (JS client 1.0.4+ `invokeEvent`); `target` is always `event` today. */
export type InvokeMessage = { type: 'invoke'; invocationId: string; target: 'event'; event: string } & OptionalPayload;
export interface CancelInvocationMessage { type: 'cancelInvocation'; invocationId: string }

export type UpstreamMessage =
  | JoinGroupMessage
  | LeaveGroupMessage
  | SendToGroupMessage
  | SendEventMessage
  | SequenceAckMessage
  | PingMessage
  | InvokeMessage
  | CancelInvocationMessage;

// ---- service → client ----
export interface AckError { name: 'Forbidden' | 'Duplicate' | 'InternalServerError' | 'NotFound' | 'Timeout' | (string & {}); message: string }
export interface AckMessage { type: 'ack'; ackId: AckId; success: boolean; error?: AckError }
export type GroupDataMessage = { type: 'message'; from: 'group'; group: string; fromUserId?: string; sequenceId?: number } & MessagePayload;
export type ServerDataMessage = { type: 'message'; from: 'server'; sequenceId?: number } & MessagePayload;
export interface ConnectedMessage { type: 'system'; event: 'connected'; connectionId: string; userId?: string; reconnectionToken?: string }
export interface DisconnectedMessage { type: 'system'; event: 'disconnected'; message: string }
export interface PongMessage { type: 'pong' }
export type InvokeResponseMessage = { type: 'invokeResponse'; invocationId: string; success: boolean; error?: AckError } & OptionalPayload;

export type DownstreamMessage =
  | AckMessage
  | GroupDataMessage
  | ServerDataMessage
  | ConnectedMessage
  | DisconnectedMessage
  | PongMessage
  | InvokeResponseMessage
  | CancelInvocationMessage;
