import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeDownstreamProtobuf,
  encodeUpstreamProtobuf,
  type DownstreamMessage,
  type UpstreamMessage,
} from '../../../src/core/webpubsub/frames.js';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { clientUrl, connectRaw, JSON_PROTOCOL, type RawClient } from './helpers.js';

// The protobuf subprotocols (the brief's stretch). No official JS client speaks them, so the peer
// is a raw ws socket with our codec, whose bytes are pinned to the .proto by frames-protobuf.test.ts.

const PROTOBUF = 'protobuf.webpubsub.azure.v1';
const PROTOBUF_RELIABLE = 'protobuf.reliable.webpubsub.azure.v1';
let emulator: RunningWebPubSubEmulator;

beforeAll(async () => {
  emulator = await startWebPubSubEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
});

interface ProtoClient {
  raw: RawClient;
  decoded(): DownstreamMessage[];
  next(predicate: (m: DownstreamMessage) => boolean): Promise<DownstreamMessage>;
  send(message: UpstreamMessage): void;
}

async function protoClient(url: string, protocol: string): Promise<ProtoClient> {
  const raw = await connectRaw(url, protocol);
  const decoded = () => raw.frames.filter((f): f is Buffer => typeof f !== 'string').map((f) => decodeDownstreamProtobuf(new Uint8Array(f)));
  const next = async (predicate: (m: DownstreamMessage) => boolean) => {
    for (let i = 0; i < 300; i++) {
      const found = decoded().find(predicate);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no matching protobuf message; got ${JSON.stringify(decoded())}`);
  };
  return { raw, decoded, next, send: (message) => raw.ws.send(encodeUpstreamProtobuf(message)) };
}

const roles = ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'];

describe('protobuf clients', () => {
  it('connect, join, exchange messages with JSON clients, ping and get Forbidden acks', async () => {
    const proto = await protoClient(await clientUrl(emulator, 'pb', { roles, userId: 'p' }), PROTOBUF);
    expect(proto.raw.ws.protocol).toBe(PROTOBUF);
    expect(await proto.next((m) => m.type === 'system')).toMatchObject({ event: 'connected', userId: 'p' });
    proto.send({ type: 'joinGroup', group: 'mixed', ackId: 1 });
    expect(await proto.next((m) => m.type === 'ack' && m.ackId === 1)).toEqual({ type: 'ack', ackId: 1, success: true });
    const json = await connectRaw(await clientUrl(emulator, 'pb', { roles, userId: 'j', groups: ['mixed'] }), JSON_PROTOCOL);
    json.send({ type: 'sendToGroup', group: 'mixed', dataType: 'json', data: { from: 'json' }, noEcho: true });
    // The protobuf DataMessage has no from_user_id field, so no fromUserId here; JSON arrives as text_data.
    expect(await proto.next((m) => m.type === 'message')).toEqual({ type: 'message', from: 'group', group: 'mixed', dataType: 'text', data: '{"from":"json"}' });
    proto.send({ type: 'sendToGroup', group: 'mixed', dataType: 'binary', data: new Uint8Array([7, 8]), noEcho: true });
    expect(await json.next((m) => m.type === 'message')).toEqual({ type: 'message', from: 'group', group: 'mixed', fromUserId: 'p', dataType: 'binary', data: 'Bwg=' });
    proto.send({ type: 'ping' });
    expect(await proto.next((m) => m.type === 'pong')).toEqual({ type: 'pong' });
    const limited = await protoClient(await clientUrl(emulator, 'pb'), PROTOBUF);
    limited.send({ type: 'sendToGroup', group: 'mixed', dataType: 'text', data: 'x', ackId: 9 });
    expect(await limited.next((m) => m.type === 'ack')).toMatchObject({ ackId: 9, success: false, error: { name: 'Forbidden' } });
    for (const ws of [proto.raw.ws, json.ws, limited.raw.ws]) ws.close();
  });

  it('reliable protobuf: sequence ids, recovery with re-send after a drop', async () => {
    const url = await clientUrl(emulator, 'pbr', { groups: ['g'] });
    const receiver = await protoClient(url, PROTOBUF_RELIABLE);
    const connected = (await receiver.next((m) => m.type === 'system')) as Extract<DownstreamMessage, { event: 'connected' }>;
    expect(connected.reconnectionToken).toBeTruthy();
    const sender = await connectRaw(await clientUrl(emulator, 'pbr', { roles }), JSON_PROTOCOL);
    sender.send({ type: 'sendToGroup', group: 'g', dataType: 'text', data: 'one' });
    await receiver.next((m) => m.type === 'message');
    emulator.dropConnection('pbr', connected.connectionId);
    await receiver.raw.closed;
    sender.send({ type: 'sendToGroup', group: 'g', dataType: 'text', data: 'two' });
    sender.send({ type: 'ping' });
    await sender.next((m) => m.type === 'pong');
    const resumed = await protoClient(`${url}&awps_connection_id=${connected.connectionId}&awps_reconnection_token=${encodeURIComponent(connected.reconnectionToken!)}`, PROTOBUF_RELIABLE);
    await resumed.next((m) => m.type === 'message' && m.data === 'two');
    expect(resumed.decoded().filter((m) => m.type === 'message').map((m) => [(m as { sequenceId: number }).sequenceId, m.type === 'message' ? m.data : null])).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    sender.ws.close();
    resumed.raw.ws.close();
  });

  it('closes a protobuf connection with 1003 on a text frame and 1007 on garbage bytes', async () => {
    const text = await protoClient(await clientUrl(emulator, 'pb'), PROTOBUF);
    text.raw.ws.send('{"type":"ping"}');
    expect((await text.raw.closed).code).toBe(1003);
    const garbage = await protoClient(await clientUrl(emulator, 'pb'), PROTOBUF);
    garbage.raw.ws.send(Buffer.from([0x32, 0x7f, 0x01]));
    expect((await garbage.raw.closed).code).toBe(1007);
  });
});
