import { request as httpRequest, Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelayEmulator } from '../../../src/emulator/relay/index.js';
import { framesOf, open, rawListener, startEmulator, token } from './helpers.js';

// Request bodies reach the listener as the sender sent them, byte for byte: the emulator writes
// them on in the chunks they arrived in (a frame header, then the chunks, corked with the request
// frame), on the control channel and on a request rendezvous, declared or chunked, one request
// after another on a keep-alive connection.

let emulator: RunningRelayEmulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

type Request = { id: string; address: string; method: string; body: boolean };

const patterned = (size: number, seed: number) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) % 256));

function post(agent: Agent, path: string, headers: Record<string, string>, body: Buffer, chunked: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { agent, host: '127.0.0.1', port: emulator.port, path, method: 'POST', headers: { ...headers, ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(body.length) }) } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      },
    );
    req.on('error', reject);
    if (chunked) {
      // Several writes, so the emulator sees several chunks.
      for (let at = 0; at < body.length; at += 70_000) req.write(body.subarray(at, at + 70_000));
      req.end();
    } else req.end(body);
  });
}

describe('request bodies', () => {
  it('arrive byte for byte in order, on the control channel and on the request rendezvous, declared and chunked', async () => {
    const listener = await rawListener(emulator, 'bodies');
    const auth = { ServiceBusAuthorization: await token({ path: 'bodies' }) };
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let channel: import('ws').WebSocket | undefined;
    let channelFrames: ReturnType<typeof framesOf> | undefined;
    const sizes = [1, 100, 64 * 1024 - 300, 300_000, 100, 1_200_000, 5];
    for (const [index, size] of sizes.entries()) {
      for (const chunked of [false, true]) {
        const body = patterned(size, index + (chunked ? 100 : 0));
        const answered = post(agent, '/bodies/up', auth, body, chunked);
        // Once a rendezvous carried a request of this connection, later ones come on it too.
        let frames = channelFrames ?? listener.frames;
        let message = (await frames.nextJson()) as { request: Partial<Request> };
        // A request too big for the control channel is announced there without its method: open its address.
        if (!channelFrames && message.request.method === undefined) {
          channel = await open(message.request.address!);
          channelFrames = framesOf(channel);
          frames = channelFrames;
          message = (await frames.nextJson()) as { request: Partial<Request> };
        }
        expect(message.request.body).toBe(true);
        const received = await frames.next();
        expect(received.isBinary).toBe(true);
        expect(received.data.length).toBe(body.length);
        expect(Buffer.from(received.data).equals(body)).toBe(true);
        (channel && frames === channelFrames ? channel : listener.socket).send(JSON.stringify({ response: { requestId: message.request.id, statusCode: 200, responseHeaders: {}, body: false } }));
        expect(await answered).toBe('200 ');
      }
    }
    expect(channel).toBeDefined();
    agent.destroy();
    channel?.terminate();
    listener.socket.terminate();
  });
});
