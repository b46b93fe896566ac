import { describe, expect, it } from 'vitest';
import {
  bodyToPayload,
  decodeDownstream,
  decodeUpstream,
  encodeDownstream,
  encodeUpstream,
  payloadToBody,
  type DownstreamMessage,
  type UpstreamMessage,
} from '../../src/core/webpubsub/frames.js';
import { isRealtimeError } from '../../src/core/errors.js';

const bytes = new Uint8Array([0, 1, 2, 250, 255]);

describe('Web PubSub JSON frames', () => {
  it('round-trips every upstream message type', () => {
    const messages: UpstreamMessage[] = [
      { type: 'joinGroup', group: 'g', ackId: 1 },
      { type: 'leaveGroup', group: 'g' },
      { type: 'sendToGroup', group: 'g', ackId: 2, noEcho: true, dataType: 'text', data: 'hi' },
      { type: 'sendToGroup', group: 'g', dataType: 'json', data: { a: [1, null] } },
      { type: 'event', event: 'e', ackId: 3, dataType: 'binary', data: bytes },
      { type: 'sequenceAck', sequenceId: 42 },
      { type: 'ping' },
      { type: 'invoke', invocationId: '1', target: 'event', event: 'e', dataType: 'text', data: 'x' },
      { type: 'invoke', invocationId: '2', target: 'event', event: 'e' },
      { type: 'cancelInvocation', invocationId: '2' },
    ];
    for (const message of messages) expect(decodeUpstream(encodeUpstream(message))).toEqual(message);
  });

  it('round-trips every downstream message type', () => {
    const messages: DownstreamMessage[] = [
      { type: 'ack', ackId: 1, success: true },
      { type: 'ack', ackId: 2, success: false, error: { name: 'Forbidden', message: 'no' } },
      { type: 'message', from: 'group', group: 'g', fromUserId: 'u', dataType: 'binary', data: bytes, sequenceId: 7 },
      { type: 'message', from: 'server', dataType: 'json', data: 5 },
      { type: 'system', event: 'connected', connectionId: 'c', userId: 'u', reconnectionToken: 't' },
      { type: 'system', event: 'disconnected', message: 'bye' },
      { type: 'pong' },
      { type: 'invokeResponse', invocationId: '1', success: true, dataType: 'json', data: { ok: 1 } },
      { type: 'invokeResponse', invocationId: '2', success: false, error: { name: 'NotFound', message: 'none' } },
      { type: 'cancelInvocation', invocationId: '3' },
    ];
    for (const message of messages) expect(decodeDownstream(encodeDownstream(message))).toEqual(message);
  });

  it('writes binary data as base64 and defaults dataType to json upstream', () => {
    expect(JSON.parse(encodeUpstream({ type: 'event', event: 'e', dataType: 'binary', data: bytes })).data).toBe('AAEC+v8=');
    expect(decodeUpstream('{"type":"sendToGroup","group":"g","data":{"x":1}}')).toEqual({ type: 'sendToGroup', group: 'g', dataType: 'json', data: { x: 1 } });
  });

  it.each([
    ['not json', 'hello'],
    ['array', '[1]'],
    ['unknown type', '{"type":"explode"}'],
    ['missing group', '{"type":"joinGroup"}'],
    ['bad ackId', '{"type":"joinGroup","group":"g","ackId":-1}'],
    ['bad dataType', '{"type":"event","event":"e","dataType":"xml","data":"x"}'],
    ['text not string', '{"type":"event","event":"e","dataType":"text","data":5}'],
    ['bad base64', '{"type":"event","event":"e","dataType":"binary","data":"@@@"}'],
    ['missing data', '{"type":"event","event":"e","dataType":"json"}'],
    ['bad noEcho', '{"type":"sendToGroup","group":"g","noEcho":"yes","data":1}'],
    ['missing sequenceId', '{"type":"sequenceAck"}'],
    ['invoke with another target', '{"type":"invoke","invocationId":"1","target":"group","event":"e"}'],
    ['invoke without invocationId', '{"type":"invoke","target":"event","event":"e"}'],
  ])('rejects a malformed upstream frame (%s) with a protocol error', (_name, frame) => {
    let caught: unknown;
    try {
      decodeUpstream(frame);
    } catch (error) {
      caught = error;
    }
    expect(isRealtimeError(caught, 'protocol')).toBe(true);
  });

  it('rejects binary frames and downstream messages without dataType', () => {
    expect(() => decodeUpstream(new Uint8Array([123, 125]))).toThrow(/text frame/);
    expect(() => decodeDownstream('{"type":"message","from":"server","data":"x"}')).toThrow(/dataType/);
    expect(() => decodeDownstream('{"type":"system","event":"weird"}')).toThrow(/system event/);
  });

  it('maps HTTP content types to payloads and back', () => {
    expect(bodyToPayload('text/plain; charset=utf-8', new TextEncoder().encode('héllo'))).toEqual({ dataType: 'text', data: 'héllo' });
    expect(bodyToPayload('application/json', new TextEncoder().encode('{"a":1}'))).toEqual({ dataType: 'json', data: { a: 1 } });
    expect(bodyToPayload('application/octet-stream', bytes)).toEqual({ dataType: 'binary', data: bytes });
    expect(() => bodyToPayload('application/json', new TextEncoder().encode('{'))).toThrow(/do not decode/);
    expect(payloadToBody({ dataType: 'json', data: [1] })).toEqual({ contentType: 'application/json', body: new TextEncoder().encode('[1]') });
  });
});
