import { describe, expect, it } from 'vitest';
import { isRealtimeError } from '../../src/core/errors.js';
import {
  decodeDownstreamProtobuf,
  decodeUpstreamProtobuf,
  encodeDownstreamProtobuf,
  encodeUpstreamProtobuf,
  type DownstreamMessage,
  type UpstreamMessage,
} from '../../src/core/webpubsub/frames.js';

// Known-answer vectors worked out by hand from webpubsub.v1.proto and the protobuf encoding
// rules (tag = field << 3 | wire type; varints 7 bits per byte, low group first), so the codec is
// checked against the spec rather than against itself.
const hex = (text: string) => Uint8Array.from(text.split(/\s+/).filter(Boolean).map((b) => parseInt(b, 16)));

const upstreamVectors: Array<[string, UpstreamMessage, string]> = [
  ['joinGroup g ack 1', { type: 'joinGroup', group: 'g', ackId: 1 }, '32 05 0a 01 67 10 01'],
  ['leaveGroup g', { type: 'leaveGroup', group: 'g' }, '3a 03 0a 01 67'],
  ['sendToGroup text, ack 300, noEcho', { type: 'sendToGroup', group: 'g', ackId: 300, dataType: 'text', data: 'hi', noEcho: true }, '0a 0e 0a 01 67 10 ac 02 1a 04 0a 02 68 69 20 01'],
  ['sequenceAck 2^40', { type: 'sequenceAck', sequenceId: 2 ** 40 }, '42 07 08 80 80 80 80 80 20'],
  ['ping', { type: 'ping' }, '4a 00'],
  ['invoke without data', { type: 'invoke', invocationId: '7', target: 'event', event: 'e' }, '52 06 0a 01 65 12 01 37'],
  ['cancelInvocation', { type: 'cancelInvocation', invocationId: '7' }, '5a 03 0a 01 37'],
];

const downstreamVectors: Array<[string, DownstreamMessage, string]> = [
  ['ack success', { type: 'ack', ackId: 1, success: true }, '0a 04 08 01 10 01'],
  ['ack Forbidden', { type: 'ack', ackId: 2, success: false, error: { name: 'F', message: 'm' } }, '0a 0a 08 02 1a 06 0a 01 46 12 01 6d'],
  ['group binary seq 5', { type: 'message', from: 'group', group: 'g', dataType: 'binary', data: new Uint8Array([1, 2]), sequenceId: 5 }, '12 12 0a 05 67 72 6f 75 70 12 01 67 1a 04 12 02 01 02 20 05'],
  ['server text', { type: 'message', from: 'server', dataType: 'text', data: 'x' }, '12 0d 0a 06 73 65 72 76 65 72 1a 03 0a 01 78'],
  ['connected', { type: 'system', event: 'connected', connectionId: 'c', userId: 'u', reconnectionToken: 't' }, '1a 0b 0a 09 0a 01 63 12 01 75 1a 01 74'],
  ['disconnected', { type: 'system', event: 'disconnected', message: 'r' }, '1a 05 12 03 12 01 72'],
  ['pong', { type: 'pong' }, '22 00'],
];

describe('protobuf subprotocol frames', () => {
  it.each(upstreamVectors)('upstream %s matches the hand-encoded bytes both ways', (_name, message, bytes) => {
    expect(encodeUpstreamProtobuf(message)).toEqual(hex(bytes));
    expect(decodeUpstreamProtobuf(hex(bytes))).toEqual(message);
  });

  it.each(downstreamVectors)('downstream %s matches the hand-encoded bytes both ways', (_name, message, bytes) => {
    expect(encodeDownstreamProtobuf(message)).toEqual(hex(bytes));
    expect(decodeDownstreamProtobuf(hex(bytes))).toEqual(message);
  });

  it('round-trips protobuf (Any) payloads and invoke responses', () => {
    const any = new Uint8Array([0x0a, 0x01, 0x78, 0x12, 0x00]);
    const up: UpstreamMessage = { type: 'sendToGroup', group: 'g', dataType: 'protobuf', data: any };
    expect(decodeUpstreamProtobuf(encodeUpstreamProtobuf(up))).toEqual(up);
    const down: DownstreamMessage = { type: 'invokeResponse', invocationId: '1', success: true, dataType: 'binary', data: new Uint8Array([1]) };
    expect(decodeDownstreamProtobuf(encodeDownstreamProtobuf(down))).toEqual(down);
  });

  it('writes json payloads as text_data holding the JSON text (the documented MessageData has no json member), reads json_data (4) too', () => {
    expect(encodeUpstreamProtobuf({ type: 'event', event: 'e', dataType: 'json', data: 1 })).toEqual(hex('2a 08 0a 01 65 12 03 0a 01 31'));
    expect(encodeDownstreamProtobuf({ type: 'message', from: 'server', dataType: 'json', data: { a: 1 } })).toEqual(hex('12 13 0a 06 73 65 72 76 65 72 1a 09 0a 07 7b 22 61 22 3a 31 7d'));
    expect(decodeUpstreamProtobuf(hex('2a 08 0a 01 65 12 03 22 01 31'))).toEqual({ type: 'event', event: 'e', dataType: 'json', data: 1 });
  });

  it('skips unknown fields inside a message (protobuf forward compatibility)', () => {
    // joinGroup g with an extra field 9 (varint 1) appended inside the inner message
    expect(decodeUpstreamProtobuf(hex('32 07 0a 01 67 10 01 48 01'))).toEqual({ type: 'joinGroup', group: 'g', ackId: 1 });
  });

  it.each([
    ['a text frame', '{"type":"ping"}'],
    ['an empty frame', hex('')],
    ['a truncated length', hex('32 05 0a 01')],
    ['a truncated varint', hex('42 02 08 80')],
    ['a stream message (unsupported)', hex('6a 00')],
    ['sendToGroup without data', hex('0a 03 0a 01 67')],
    ['MessageData with no member', hex('0a 05 0a 01 67 1a 00')],
    ['json_data that is not JSON', hex('2a 08 0a 01 65 12 03 22 01 7b')],
    ['joinGroup without group', hex('32 02 10 01')],
    ['wire type 3 (groups)', hex('33')],
  ])('rejects %s with a protocol error', (_name, frame) => {
    let caught: unknown;
    try {
      decodeUpstreamProtobuf(frame);
    } catch (error) {
      caught = error;
    }
    expect(isRealtimeError(caught, 'protocol')).toBe(true);
  });
});
