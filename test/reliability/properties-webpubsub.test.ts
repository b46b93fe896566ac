import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeDownstream,
  decodeDownstreamProtobuf,
  decodeUpstream,
  decodeUpstreamProtobuf,
  encodeDownstream,
  encodeDownstreamProtobuf,
  encodeUpstream,
  encodeUpstreamProtobuf,
  type DownstreamMessage,
  type UpstreamMessage,
} from '../../src/core/webpubsub/frames.js';
import { mutatedBytes, mutatedText } from './harness/mutate.js';
import { PROPERTY_TIMEOUT_MS } from './harness/budget.js';
import { checkProperty } from './harness/property.js';
import { UntypedError, expectTyped } from './harness/typed.js';

// Web PubSub frames (docs/protocol/webpubsub.md §4), JSON and protobuf, both directions, as the
// emulator drives them: decode what a client sent, then answer with an ack carrying its ackId and
// relay its payload to other clients in both encodings. Any step may refuse with a typed error;
// none may crash, hang, or hand on a number that is not one (issue 10 finding 14: NaN ackId).

const UPSTREAM: UpstreamMessage[] = [
  { type: 'joinGroup', group: 'g', ackId: 1 },
  { type: 'leaveGroup', group: 'g' },
  { type: 'sendToGroup', group: 'g', ackId: 300, dataType: 'text', data: 'hi', noEcho: true },
  { type: 'sendToGroup', group: 'g', dataType: 'json', data: { a: [1, 'x', null, { b: true }] } },
  { type: 'event', event: 'e', ackId: 7, dataType: 'binary', data: new Uint8Array([1, 2, 3]) },
  { type: 'event', event: 'e', dataType: 'protobuf', data: new Uint8Array([10, 1, 65]) },
  { type: 'sequenceAck', sequenceId: 2 ** 40 },
  { type: 'ping' },
  { type: 'invoke', invocationId: '7', target: 'event', event: 'e', dataType: 'text', data: 'q' },
  { type: 'cancelInvocation', invocationId: '7' },
];
const DOWNSTREAM: DownstreamMessage[] = [
  { type: 'ack', ackId: 2, success: false, error: { name: 'Forbidden', message: 'm' } },
  { type: 'message', from: 'group', group: 'g', dataType: 'binary', data: new Uint8Array([1, 2]), sequenceId: 5, fromUserId: 'u' },
  { type: 'message', from: 'server', dataType: 'json', data: { x: 1 } },
  { type: 'system', event: 'connected', connectionId: 'c', userId: 'u', reconnectionToken: 't' },
  { type: 'system', event: 'disconnected', message: 'r' },
  { type: 'pong' },
  { type: 'invokeResponse', invocationId: '7', success: true, dataType: 'text', data: 'a' },
];

const JSON_UP = UPSTREAM.filter((m) => !('dataType' in m) || m.dataType !== 'protobuf').map(encodeUpstream);
const PROTO_UP = UPSTREAM.map(encodeUpstreamProtobuf);
const JSON_DOWN = DOWNSTREAM.map(encodeDownstream);
const PROTO_DOWN = DOWNSTREAM.map(encodeDownstreamProtobuf);

/** ackId and sequenceId are uint64 on the wire: a non-negative safe integer, or a bigint below 2^64 past 2^53. */
function checkNumbers(message: object): void {
  for (const field of ['ackId', 'sequenceId'] as const) {
    const value = (message as Record<string, unknown>)[field];
    if (value === undefined) continue;
    const valid = typeof value === 'bigint' ? value >= 0n && value < 2n ** 64n : typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
    if (!valid) throw new UntypedError(`decoded ${field} is ${String(value)}, not a uint64`);
  }
}

/** What the emulator does with an upstream frame: decode, ack, relay the payload in both encodings. */
function serveUpstream(decode: (frame: string | Uint8Array) => UpstreamMessage, frame: string | Uint8Array): void {
  const message = expectTyped(() => decode(frame));
  if (message instanceof Error) return;
  checkNumbers(message);
  expectTyped(() => (typeof frame === 'string' ? encodeUpstream(message) : encodeUpstreamProtobuf(message)));
  if ('ackId' in message && message.ackId !== undefined) {
    const ack: DownstreamMessage = { type: 'ack', ackId: message.ackId, success: true };
    expectTyped(() => encodeDownstream(ack));
    expectTyped(() => encodeDownstreamProtobuf(ack));
  }
  if (message.type === 'sendToGroup' || message.type === 'event' || message.type === 'invoke') {
    const { dataType, data } = message as { dataType?: string; data?: unknown };
    if (dataType === undefined) return;
    const relayed = { type: 'message', from: 'group', group: 'g', dataType, data, sequenceId: 1 } as DownstreamMessage;
    expectTyped(() => encodeDownstream(relayed));
    expectTyped(() => encodeDownstreamProtobuf(relayed));
  }
}

function readDownstream(decode: (frame: string | Uint8Array) => DownstreamMessage, frame: string | Uint8Array): void {
  const message = expectTyped(() => decode(frame));
  if (message instanceof Error) return;
  checkNumbers(message);
  expectTyped(() => (typeof frame === 'string' ? encodeDownstream(message) : encodeDownstreamProtobuf(message)));
}

const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 512 }), fc.json({ maxDepth: 5 }));
const anyBytes = fc.uint8Array({ maxLength: 512 });
const typedJson = fc
  .record({ type: fc.constantFrom('joinGroup', 'leaveGroup', 'sendToGroup', 'event', 'sequenceAck', 'ping', 'invoke', 'cancelInvocation', 'ack', 'message', 'system'), rest: fc.dictionary(fc.constantFrom('group', 'ackId', 'sequenceId', 'dataType', 'data', 'event', 'noEcho', 'invocationId', 'target', 'from', 'success'), fc.jsonValue({ maxDepth: 3 })) })
  .map(({ type, rest }) => JSON.stringify({ ...rest, type }));

describe('Web PubSub JSON frames', () => {
  it('seeds decode (the mutations start from valid frames)', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    for (const seed of JSON_UP) expect(decodeUpstream(seed)).toBeTruthy();
    for (const seed of JSON_DOWN) expect(decodeDownstream(seed)).toBeTruthy();
  });
  it('upstream: arbitrary text and typed JSON objects', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    checkProperty('webpubsub json upstream, arbitrary', fc.oneof(anyText, typedJson), (frame) => serveUpstream(decodeUpstream, frame));
  });
  it('upstream: mutated valid frames', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    checkProperty('webpubsub json upstream, mutated', mutatedText(JSON_UP), (frame) => serveUpstream(decodeUpstream, frame));
  });
  it('downstream (the client side): arbitrary and mutated', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    checkProperty('webpubsub json downstream', fc.oneof(anyText, typedJson, mutatedText(JSON_DOWN)), (frame) => readDownstream(decodeDownstream, frame));
  });
  it('deeply nested data: decoded and relayed, or refused with a typed error (finding 14)', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    for (const depth of [1_000, 5_000, 20_000]) {
      serveUpstream(decodeUpstream, `{"type":"sendToGroup","group":"g","dataType":"json","data":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    }
  });
});

describe('Web PubSub protobuf frames', () => {
  it('upstream: arbitrary bytes', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    checkProperty('webpubsub protobuf upstream, arbitrary', anyBytes, (frame) => serveUpstream(decodeUpstreamProtobuf, frame));
  });
  it('upstream: mutated valid frames', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    checkProperty('webpubsub protobuf upstream, mutated', mutatedBytes(PROTO_UP), (frame) => serveUpstream(decodeUpstreamProtobuf, frame));
  });
  it('downstream: arbitrary and mutated', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    checkProperty('webpubsub protobuf downstream', fc.oneof(anyBytes, mutatedBytes(PROTO_DOWN)), (frame) => readDownstream(decodeDownstreamProtobuf, frame));
  });
  it('over-long varint ackIds are refused or exact, never NaN (finding 14)', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    // Zero-valued continuation bytes kept multiplying the scale until 0 × Infinity = NaN (~150 bytes).
    const varints = [
      [...new Array(10).fill(0xff), 0x01],
      ...[10, 11, 16, 160, 400].map((n) => [...new Array(n).fill(0x80), 0x00]),
      ...[10, 160].map((n) => [0x81, ...new Array(n).fill(0x80), 0x00]),
    ];
    const lengthPrefix = (length: number) => (length < 0x80 ? [length] : [0x80 | (length & 0x7f), length >> 7]);
    for (const varint of varints) {
      const body = [0x0a, 0x01, 0x67, 0x10, ...varint];
      serveUpstream(decodeUpstreamProtobuf, Uint8Array.from([0x32, ...lengthPrefix(body.length), ...body]));
    }
  });
});
