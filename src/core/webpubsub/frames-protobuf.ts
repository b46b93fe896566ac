import { describeValue } from '../errors.js';
import { assertJsonDepth } from './frames-json-depth.js';
import { protocolError, type MessagePayload } from './frames-payload.js';
import type { AckError, AckId, DownstreamMessage, OptionalPayload, UpstreamMessage } from './frames-types.js';
import { ProtoMessage, ProtoWriter } from './protobuf-wire.js';

// Codecs for protobuf.webpubsub.azure.v1 and its reliable twin (docs/protocol/webpubsub.md §4 "Protobuf";
// field numbers from the service's webpubsub.v1.proto). Same message unions as the JSON codecs;
// binary frames. `protobuf` payloads are the serialized google.protobuf.Any bytes.

const UP = { sendToGroup: 1, event: 5, joinGroup: 6, leaveGroup: 7, sequenceAck: 8, ping: 9, invoke: 10, cancelInvocation: 11 } as const;
const DOWN = { ack: 1, data: 2, system: 3, pong: 4, invokeResponse: 5 } as const;
const DATA = { text: 1, binary: 2, protobuf: 3, json: 4 } as const;

function writeData(w: ProtoWriter, field: number, payload: OptionalPayload): void {
  if (payload.dataType === undefined) return;
  w.message(field, (d) => {
    switch (payload.dataType) {
      case 'text':
        d.string(DATA.text, payload.data);
        break;
      case 'json':
        // The documented MessageData has no json member: "If dataType is json, use text_data, and the
        // content is a serialized JSON string" (docs/protocol/webpubsub.md §4; https://learn.microsoft.com/
        // azure/azure-web-pubsub/reference-protobuf-webpubsub-subprotocol). json_data (4) is only read.
        d.string(DATA.text, JSON.stringify(payload.data));
        break;
      case 'binary':
        d.bytes(DATA.binary, payload.data);
        break;
      case 'protobuf':
        d.bytes(DATA.protobuf, payload.data);
        break;
      default:
        throw new TypeError(`expected dataType text, json, binary or protobuf, got ${describeValue((payload as { dataType: unknown }).dataType)}`);
    }
  });
}

function readData(message: ProtoMessage, field: number, required: boolean): OptionalPayload {
  const data = message.message(field, 'data');
  if (!data) {
    if (required) throw protocolError(`${message.where}: expected data`);
    return {};
  }
  // A oneof: the last member present wins.
  const member = [...data.fields].reverse().find((f) => f.field >= 1 && f.field <= 4);
  switch (member?.field) {
    case DATA.text:
      return { dataType: 'text', data: data.string(DATA.text)! };
    case DATA.binary:
      return { dataType: 'binary', data: data.bytes(DATA.binary)! };
    case DATA.protobuf:
      return { dataType: 'protobuf', data: data.bytes(DATA.protobuf)! };
    case DATA.json: {
      const text = data.string(DATA.json)!;
      assertJsonDepth(text, data.where);
      try {
        return { dataType: 'json', data: JSON.parse(text) as unknown };
      } catch (error) {
        throw protocolError(`${data.where}: json_data is not JSON`, error);
      }
    }
    default:
      throw protocolError(`${data.where}: expected one of text_data, binary_data, protobuf_data, json_data`);
  }
}

function requiredString(message: ProtoMessage, field: number, name: string): string {
  const value = message.string(field);
  if (!value) throw protocolError(`${message.where}: expected a non-empty ${name}`);
  return value;
}

function binaryFrame(frame: string | Uint8Array, where: string): Uint8Array {
  // Protobuf subprotocols use binary frames (docs/protocol/webpubsub.md §4 "Frames are binary").
  if (typeof frame === 'string') throw protocolError(`${where}: expected a binary frame for a protobuf subprotocol, got text`);
  return frame;
}

/** The one oneof member set in an Upstream/DownstreamMessage. */
function oneof(message: ProtoMessage, known: readonly number[]): { field: number; body: ProtoMessage } {
  const member = [...message.fields].reverse().find((f) => known.includes(f.field) || f.wire === 2);
  if (!member || !known.includes(member.field)) {
    throw protocolError(`${message.where}: ${member ? `unsupported message field ${member.field}` : 'no message set'}`);
  }
  return { field: member.field, body: message.message(member.field, String(member.field))! };
}

const withAck = <T extends object>(base: T, ackId: AckId | undefined): T => (ackId === undefined ? base : { ...base, ackId });

export function decodeUpstreamProtobuf(frame: string | Uint8Array): UpstreamMessage {
  const root = ProtoMessage.parse(binaryFrame(frame, 'upstream frame'), 'UpstreamMessage');
  const { field, body } = oneof(root, Object.values(UP));
  switch (field) {
    case UP.sendToGroup: {
      const noEcho = body.bool(4);
      const head = withAck({ type: 'sendToGroup' as const, group: requiredString(body, 1, 'group') }, body.uint64(2));
      return { ...(noEcho === undefined ? head : { ...head, noEcho }), ...(readData(body, 3, true) as MessagePayload) };
    }
    case UP.event:
      return { ...withAck({ type: 'event' as const, event: requiredString(body, 1, 'event') }, body.uint64(3)), ...(readData(body, 2, true) as MessagePayload) };
    case UP.joinGroup:
    case UP.leaveGroup:
      return withAck({ type: field === UP.joinGroup ? ('joinGroup' as const) : ('leaveGroup' as const), group: requiredString(body, 1, 'group') }, body.uint64(2));
    case UP.sequenceAck:
      return { type: 'sequenceAck', sequenceId: body.uint(1) ?? 0 };
    case UP.ping:
      return { type: 'ping' };
    case UP.invoke:
      return { type: 'invoke', invocationId: requiredString(body, 2, 'invocation_id'), target: 'event', event: requiredString(body, 1, 'event'), ...readData(body, 3, false) };
    default:
      return { type: 'cancelInvocation', invocationId: requiredString(body, 1, 'invocation_id') };
  }
}

export function encodeUpstreamProtobuf(message: UpstreamMessage): Uint8Array {
  const w = new ProtoWriter();
  switch (message.type) {
    case 'sendToGroup':
      w.message(UP.sendToGroup, (m) => {
        m.string(1, message.group).uint(2, message.ackId);
        writeData(m, 3, message);
        m.bool(4, message.noEcho);
      });
      break;
    case 'event':
      w.message(UP.event, (m) => {
        m.string(1, message.event);
        writeData(m, 2, message);
        m.uint(3, message.ackId);
      });
      break;
    case 'joinGroup':
    case 'leaveGroup':
      w.message(message.type === 'joinGroup' ? UP.joinGroup : UP.leaveGroup, (m) => m.string(1, message.group).uint(2, message.ackId));
      break;
    case 'sequenceAck':
      w.message(UP.sequenceAck, (m) => m.uint(1, message.sequenceId));
      break;
    case 'ping':
      w.message(UP.ping, () => undefined);
      break;
    case 'invoke':
      w.message(UP.invoke, (m) => {
        m.string(1, message.event).string(2, message.invocationId);
        writeData(m, 3, message);
      });
      break;
    case 'cancelInvocation':
      w.message(UP.cancelInvocation, (m) => m.string(1, message.invocationId));
      break;
    default:
      throw new TypeError(`expected an upstream message type, got ${describeValue((message as { type: unknown }).type)}`);
  }
  return w.finish();
}

function writeError(m: ProtoWriter, field: number, error: AckError | undefined): void {
  if (error) m.message(field, (e) => e.string(1, error.name).string(2, error.message));
}

function readError(body: ProtoMessage, field: number): AckError | undefined {
  const error = body.message(field, 'error');
  return error ? { name: error.string(1) ?? '', message: error.string(2) ?? '' } : undefined;
}

export function encodeDownstreamProtobuf(message: DownstreamMessage): Uint8Array {
  const w = new ProtoWriter();
  switch (message.type) {
    case 'pong':
      w.message(DOWN.pong, () => undefined);
      break;
    case 'ack':
      w.message(DOWN.ack, (m) => {
        m.uint(1, message.ackId).bool(2, message.success || undefined);
        writeError(m, 3, message.error);
      });
      break;
    case 'message':
      w.message(DOWN.data, (m) => {
        m.string(1, message.from).string(2, message.from === 'group' ? message.group : undefined);
        writeData(m, 3, message);
        m.uint(4, message.sequenceId);
      });
      break;
    case 'system':
      w.message(DOWN.system, (s) => {
        if (message.event === 'connected') {
          s.message(1, (c) => c.string(1, message.connectionId).string(2, message.userId || undefined).string(3, message.reconnectionToken));
        } else s.message(2, (d) => d.string(2, message.message || undefined));
      });
      break;
    case 'invokeResponse':
      w.message(DOWN.invokeResponse, (m) => {
        m.string(1, message.invocationId).bool(2, message.success || undefined);
        writeData(m, 3, message);
        writeError(m, 4, message.error);
      });
      break;
    default:
      throw new TypeError(`expected a downstream message the protobuf protocol can carry, got ${describeValue((message as { type: unknown }).type)}`);
  }
  return w.finish();
}

export function decodeDownstreamProtobuf(frame: string | Uint8Array): DownstreamMessage {
  const root = ProtoMessage.parse(binaryFrame(frame, 'downstream frame'), 'DownstreamMessage');
  const { field, body } = oneof(root, Object.values(DOWN));
  switch (field) {
    case DOWN.ack: {
      const error = readError(body, 3);
      return { type: 'ack', ackId: body.uint64(1) ?? 0, success: body.bool(2) ?? false, ...(error ? { error } : {}) };
    }
    case DOWN.data: {
      const from = body.string(1);
      const sequenceId = body.uint(4);
      const payload = readData(body, 3, true) as MessagePayload;
      const tail = sequenceId === undefined ? {} : { sequenceId };
      if (from === 'group') return { type: 'message', from: 'group', group: body.string(2) ?? '', ...payload, ...tail };
      if (from === 'server') return { type: 'message', from: 'server', ...payload, ...tail };
      throw protocolError(`${body.where}: expected from to be group or server, got ${describeValue(from)}`);
    }
    case DOWN.system: {
      const connected = body.message(1, 'connected_message');
      if (connected) {
        const userId = connected.string(2);
        const token = connected.string(3);
        return { type: 'system', event: 'connected', connectionId: connected.string(1) ?? '', ...(userId ? { userId } : {}), ...(token ? { reconnectionToken: token } : {}) };
      }
      const disconnected = body.message(2, 'disconnected_message');
      if (disconnected) return { type: 'system', event: 'disconnected', message: disconnected.string(2) ?? '' };
      throw protocolError(`${body.where}: unknown system message`);
    }
    case DOWN.pong:
      return { type: 'pong' };
    default: {
      const error = readError(body, 4);
      return { type: 'invokeResponse', invocationId: body.string(1) ?? '', success: body.bool(2) ?? false, ...(error ? { error } : {}), ...readData(body, 3, false) };
    }
  }
}
