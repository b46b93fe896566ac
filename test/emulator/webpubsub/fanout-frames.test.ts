import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { decodeDownstream, encodeDownstream, encodeDownstreamProtobuf, JSON_RELIABLE_SUBPROTOCOL, JSON_SUBPROTOCOL, PROTOBUF_RELIABLE_SUBPROTOCOL, PROTOBUF_SUBPROTOCOL, type DownstreamMessage } from '../../../src/core/webpubsub/frames.js';
import { decodeDownstreamProtobuf } from '../../../src/core/webpubsub/frames-protobuf.js';
import { signJwt } from '../../../src/core/jwt.js';
import { nodeHmac } from '../../../src/node/hmac.js';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { OutboundMessage } from '../../../src/emulator/webpubsub/outbound-message.js';
import { JsonSequencedFrames, ProtobufSequencedFrames } from '../../../src/emulator/webpubsub/sequenced-frames.js';
import { subprotocolNamed } from '../../../src/emulator/webpubsub/subprotocols.js';
import { frameOf, OPCODE_BINARY, OPCODE_TEXT } from '../../../src/emulator/ws-frame.js';
import { clientUrl, connectRaw } from './helpers.js';

// Fan-out writes prebuilt frames (ws-frame.ts, sequenced-frames.ts, outbound-message.ts): each is
// parsed here by ws's own Receiver, a parser we did not write, and must decode to the message the
// codec would have produced for that recipient.

interface FrameParser {
  on(event: 'message', listener: (data: Buffer, binary: boolean) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  write(chunk: Buffer): void;
}
// ws's frame parser: exported by ws (wrapper.mjs), absent from @types/ws.
const Receiver = (ws as unknown as { Receiver: new (options: { isServer: boolean; maxPayload: number }) => FrameParser }).Receiver;

function parseFrames(bytes: Buffer | Buffer[]): Array<{ data: Buffer; binary: boolean }> {
  const receiver = new Receiver({ isServer: false, maxPayload: 0 });
  const out: Array<{ data: Buffer; binary: boolean }> = [];
  let failure: Error | undefined;
  receiver.on('message', (data: Buffer, binary: boolean) => out.push({ data, binary }));
  receiver.on('error', (error: Error) => (failure = error));
  receiver.write(Array.isArray(bytes) ? Buffer.concat(bytes) : bytes);
  if (failure) throw failure;
  return out;
}

const SIZES = [0, 3, 125, 126, 1000, 20_000, 65_535, 65_536, 70_000];

describe('ws-frame', () => {
  it.each(SIZES)('frames a %i-byte payload as ws reads it', (size) => {
    const payload = Buffer.alloc(size, 0x61);
    const [binary, ...rest] = parseFrames(frameOf(OPCODE_BINARY, payload));
    expect(rest).toHaveLength(0);
    expect(binary!.binary).toBe(true);
    expect(binary!.data.equals(payload)).toBe(true);
    const [text] = parseFrames(frameOf(OPCODE_TEXT, 'é'.repeat(size)));
    expect(text!.binary).toBe(false);
    expect(text!.data.toString('utf8') === 'é'.repeat(size)).toBe(true);
  });
});

const groupMessage = (data: string, sequenceId?: number): DownstreamMessage =>
  ({ type: 'message', from: 'group', group: 'g', fromUserId: 'u', dataType: 'text', data, ...(sequenceId === undefined ? {} : { sequenceId }) }) as DownstreamMessage;

describe('sequenced frames', () => {
  it.each(SIZES)('JSON: the frame for each sequenceId decodes as the encoder would write it (%i-character data)', (size) => {
    const data = 'ü'.repeat(size);
    const frames = new JsonSequencedFrames(encodeDownstream(groupMessage(data)));
    for (const sequenceId of [1, 9, 10, 127, 128, 99_999, 2 ** 31, 2 ** 40]) {
      const [parsed] = parseFrames(frames.frame(sequenceId));
      expect(parsed!.binary).toBe(false);
      expect(parsed!.data.length).toBe(frames.payloadSize(sequenceId));
      const { data: got, ...rest } = decodeDownstream(parsed!.data.toString('utf8')) as { data: unknown };
      const { data: _, ...expected } = groupMessage(data, sequenceId) as { data: unknown };
      expect(rest).toEqual(expected);
      expect(got === data).toBe(true);
    }
  });

  it.each(SIZES)('protobuf: the frame for each sequenceId decodes as the encoder would write it (%i-byte data)', (size) => {
    const message = { type: 'message', from: 'server', dataType: 'binary', data: new Uint8Array(size).fill(7) } as DownstreamMessage;
    const frames = new ProtobufSequencedFrames(encodeDownstreamProtobuf(message));
    for (const sequenceId of [1, 127, 128, 16_383, 16_384, 2 ** 31, 2 ** 40]) {
      const [parsed] = parseFrames(frames.frame(sequenceId));
      expect(parsed!.binary).toBe(true);
      expect(parsed!.data.length).toBe(frames.payloadSize(sequenceId));
      // Byte for byte what the encoder writes with the sequenceId in it.
      expect(parsed!.data.equals(encodeDownstreamProtobuf({ ...message, sequenceId } as DownstreamMessage))).toBe(true);
      if (size < 1000) expect(decodeDownstreamProtobuf(new Uint8Array(parsed!.data))).toEqual({ ...message, sequenceId });
    }
  });
});

describe('OutboundMessage', () => {
  it('encodes once per encoding however many recipients take it', () => {
    const json = subprotocolNamed(JSON_SUBPROTOCOL)!;
    let encodes = 0;
    const counting = { ...json, codec: { ...json.codec, encode: (m: DownstreamMessage) => (encodes++, json.codec.encode(m)) } };
    const message = new OutboundMessage({ from: 'server', payload: { dataType: 'text', data: 'hi' } });
    const first = message.frameFor(counting);
    for (let i = 0; i < 100; i++) expect(message.frameFor(counting)).toBe(first);
    expect(encodes).toBe(1);
    const sequenced = message.sequencedFor({ ...counting, reliable: true });
    for (let i = 0; i < 100; i++) expect(message.sequencedFor({ ...counting, reliable: true })).toBe(sequenced);
    expect(encodes).toBe(2);
  });
});

let emulator: RunningWebPubSubEmulator;
beforeAll(async () => {
  emulator = await startWebPubSubEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
});

describe('fan-out to every encoding at once', () => {
  it('sendToAll reaches raw, JSON, reliable JSON, protobuf and reliable protobuf clients, each with its own sequenceIds', async () => {
    const hub = 'fanout';
    const url = await clientUrl(emulator, hub);
    const protocols = [undefined, JSON_SUBPROTOCOL, JSON_RELIABLE_SUBPROTOCOL, PROTOBUF_SUBPROTOCOL, PROTOBUF_RELIABLE_SUBPROTOCOL];
    const clients = await Promise.all(protocols.map((p) => connectRaw(url, p)));
    // The protocol clients' connected frames first (read past here).
    await Promise.all(clients.slice(1).map((c) => c.nextFrame()));
    const big = 'x'.repeat(70_000); // past the copy limit and the 16-bit frame length
    const bodies = ['small', big, 'third'];
    for (const body of bodies) {
      const url = `${emulator.endpoint}/api/hubs/${hub}/:send?api-version=2024-12-01`;
      const token = await signJwt({ aud: url, exp: Math.floor(Date.now() / 1000) + 600 }, emulator.accessKey, { hmac: nodeHmac });
      const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body });
      expect(response.status).toBe(202);
    }
    const received = await Promise.all(clients.map(async (client) => {
      const frames: Array<string | Buffer> = [];
      while (frames.length < bodies.length) frames.push(await client.nextFrame());
      return frames;
    }));
    expect(received[0]).toEqual(bodies);
    expect(received[1]!.map((f) => decodeDownstream(f as string))).toEqual(bodies.map((data) => ({ type: 'message', from: 'server', dataType: 'text', data })));
    expect(received[2]!.map((f) => decodeDownstream(f as string))).toEqual(bodies.map((data, i) => ({ type: 'message', from: 'server', dataType: 'text', data, sequenceId: i + 1 })));
    expect(received[3]!.map((f) => decodeDownstreamProtobuf(new Uint8Array(f as Buffer)))).toEqual(bodies.map((data) => ({ type: 'message', from: 'server', dataType: 'text', data })));
    expect(received[4]!.map((f) => decodeDownstreamProtobuf(new Uint8Array(f as Buffer)))).toEqual(bodies.map((data, i) => ({ type: 'message', from: 'server', dataType: 'text', data, sequenceId: i + 1 })));
    for (const client of clients) client.ws.close();
  });
});
