import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRealtimeError } from '../../../src/core/errors.js';
import { decodeDownstreamProtobuf, decodeUpstream, encodeDownstream, encodeUpstreamProtobuf } from '../../../src/core/webpubsub/frames.js';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { clientUrl, connectRaw, JSON_PROTOCOL } from './helpers.js';

// ackId is a uint64 on the wire (docs/protocol/webpubsub.md §4). JS numbers are exact only to 2^53,
// which the JS SDK never passes; the Python peer (test/interop/python-webpubsub.test.ts) does.

const MAX = 2n ** 64n - 1n;

describe('uint64 ackIds in the codecs', () => {
  it('reads a JSON ackId past 2^53 exactly from the frame text, ignoring nested ackId keys', () => {
    const frame = `{"type":"sendToGroup","group":"g","dataType":"json","data":{"ackId":5},"ackId":${MAX}}`;
    expect(decodeUpstream(frame)).toMatchObject({ type: 'sendToGroup', ackId: MAX, data: { ackId: 5 } });
    expect(decodeUpstream('{"type":"joinGroup","group":"g","ackId":7}')).toEqual({ type: 'joinGroup', group: 'g', ackId: 7 });
  });

  it('refuses ackIds that are not uint64 integers written plainly', () => {
    for (const ackId of ['1e19', '18446744073709551616', '-1', '1.5', '"1"']) {
      let error: unknown;
      try {
        decodeUpstream(`{"type":"joinGroup","group":"g","ackId":${ackId}}`);
      } catch (e) {
        error = e;
      }
      expect(isRealtimeError(error, 'protocol'), ackId).toBe(true);
    }
  });

  it('writes a bigint ackId as JSON digits and as a protobuf varint', () => {
    expect(encodeDownstream({ type: 'ack', ackId: MAX, success: true })).toBe(`{"type":"ack","ackId":${MAX},"success":true}`);
    const bytes = encodeUpstreamProtobuf({ type: 'joinGroup', group: 'g', ackId: MAX });
    expect([...bytes.slice(-10)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    // DownstreamMessage{ack_message{ack_id = 2^64-1, success = true}}
    expect(decodeDownstreamProtobuf(Uint8Array.from([0x0a, 0x0d, 0x08, ...bytes.slice(-10), 0x10, 0x01]))).toEqual({ type: 'ack', ackId: MAX, success: true });
  });
});

describe('uint64 ackIds against the emulator', () => {
  let emulator: RunningWebPubSubEmulator;
  beforeAll(async () => {
    emulator = await startWebPubSubEmulator({ port: 0 });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('acks 2^64-1 with the exact digits and de-duplicates it', async () => {
    const client = await connectRaw(await clientUrl(emulator, 'acks', { roles: ['webpubsub.joinLeaveGroup'] }), JSON_PROTOCOL);
    await client.next((m) => m.type === 'system');
    client.send(`{"type":"joinGroup","group":"g","ackId":${MAX}}`);
    client.send(`{"type":"joinGroup","group":"g","ackId":${MAX}}`);
    await client.nextFrame();
    const acks = [await client.nextFrame(), await client.nextFrame()];
    expect(acks).toEqual([
      `{"type":"ack","ackId":${MAX},"success":true}`,
      `{"type":"ack","ackId":${MAX},"success":false,"error":{"name":"Duplicate","message":"Message with ack-id: ${MAX} has been processed"}}`,
    ]);
    client.ws.close();
  });
});
