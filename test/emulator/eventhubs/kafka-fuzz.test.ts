import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/index.js';
import { KafkaWriter } from '../../../src/emulator/eventhubs/kafka/codec.js';
import { encodeBatch } from '../../../src/emulator/eventhubs/kafka/records.js';

// Mutated and truncated versions of valid requests, after a real SASL login: whatever arrives,
// the emulator answers or closes that one connection, and keeps serving everyone else.

let emulator: RunningEventHubsEmulator;
let port: number;
beforeAll(async () => {
  emulator = await startEventHubsEmulator({ config: { hubs: [{ name: 'fuzz', partitionCount: 2 }] }, kafkaPort: 0 });
  port = Number(emulator.info().kafka!.bootstrapServers.split(':').at(-1));
});
afterAll(async () => {
  await emulator?.close();
});

function frame(apiKey: number, version: number, flexible: boolean, body: (w: KafkaWriter) => void): Buffer {
  const writer = new KafkaWriter().int32(0).int16(apiKey).int16(version).int32(7).nullableString('fuzz', false).tags(flexible);
  body(writer);
  const bytes = Buffer.from(writer.finish());
  bytes.writeInt32BE(bytes.length - 4, 0);
  return bytes;
}

const batch = encodeBatch(0, [{ key: Buffer.from('k'), value: Buffer.from('v'), headers: [{ key: 'h', value: Buffer.from('x') }], timestamp: 1 }]);
const templates: Buffer[] = [
  frame(18, 3, true, (w) => w.string('fuzz', true).string('1', true).tags(true)),
  frame(3, 12, true, (w) => w.array([null], true, (t) => t.raw(Buffer.alloc(16)).string('fuzz', true)).bool(false).bool(false).tags(true)),
  frame(3, 1, false, (w) => w.array(['fuzz'], false, (t, name) => t.string(name!, false))),
  frame(0, 9, true, (w) => w.nullableString(null, true).int16(1).int32(1000).array([0], true, (t) => t.string('fuzz', true).array([0], true, (p) => p.int32(0).nullableBytes(batch, true))).tags(true)),
  frame(0, 3, false, (w) => w.nullableString(null, false).int16(1).int32(1000).array([0], false, (t) => t.string('fuzz', false).array([1], false, (p) => p.int32(1).nullableBytes(batch, false)))),
  frame(1, 11, false, (w) => w.int32(-1).int32(10).int32(1).int32(1 << 20).int8(0).int32(0).int32(-1).array([0], false, (t) => t.string('fuzz', false).array([0], false, (p) => p.int32(0).int32(-1).int64(0).int64(-1).int32(1 << 20))).array([], false, () => undefined).string('', false)),
  frame(2, 7, true, (w) => w.int32(-1).int8(0).array([0], true, (t) => t.string('fuzz', true).array([0], true, (p) => p.int32(0).int32(-1).int64(-2))).tags(true)),
  frame(11, 7, true, (w) => w.string('g', true).int32(6000).int32(6000).string('', true).nullableString(null, true).string('consumer', true).array([0], true, (p) => p.string('range', true).nullableBytes(Buffer.from([0, 1, 0, 0, 0, 0]), true)).tags(true)),
  frame(8, 8, true, (w) => w.string('g', true).int32(-1).string('', true).nullableString(null, true).array([0], true, (t) => t.string('fuzz', true).array([0], true, (p) => p.int32(0).int64(5).int32(-1).nullableString(null, true))).tags(true)),
  frame(9, 8, true, (w) => w.array([0], true, (g) => g.string('g', true).array(null, true, () => undefined)).bool(false).tags(true)),
  frame(10, 4, true, (w) => w.int8(0).array(['g'], true, (k, key) => k.string(key, true), false).tags(true)),
  frame(15, 5, true, (w) => w.array(['g'], true, (k, key) => k.string(key, true), false).bool(false).tags(true)),
  frame(22, 4, true, (w) => w.nullableString(null, true).int32(1000).int64(-1).int16(-1).tags(true)),
];

async function exchange(payload: Buffer, truncated: boolean): Promise<void> {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const plain = Buffer.from(`\u0000$ConnectionString\u0000${emulator.connectionString}`);
  socket.write(frame(17, 1, false, (w) => w.string('PLAIN', false)));
  socket.write(frame(36, 2, true, (w) => w.nullableBytes(plain, true).tags(true)));
  socket.write(payload);
  // Answers come in order: once the ApiVersions behind the payload is answered, the payload was
  // handled. A truncated frame is ended instead. A group join may wait for a rebalance: bounded.
  if (truncated) socket.end();
  else socket.write(frame(18, 0, false, () => undefined).fill(0x63, 8, 12));
  await new Promise<void>((resolve) => {
    let seen = Buffer.alloc(0);
    const timer = setTimeout(resolve, 300);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    socket.on('data', (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      if (seen.includes(Buffer.from([0x63, 0x63, 0x63, 0x63]))) done();
    });
    socket.on('close', done);
    socket.on('error', () => undefined);
  });
  socket.destroy();
}

async function stillServing(): Promise<boolean> {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(frame(18, 0, false, () => undefined));
  const answer = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
  socket.destroy();
  return answer.readInt32BE(4) === 7 && answer.readInt16BE(8) === 0;
}

test('mutated and truncated requests never take the endpoint down', { timeout: 60_000 }, async () => {
  const mutation = fc.record({
    template: fc.integer({ min: 0, max: templates.length - 1 }),
    flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
  });
  await fc.assert(
    fc.asyncProperty(mutation, async ({ template, flips, cut }) => {
      const bytes = Buffer.from(templates[template]!);
      // Keep the size prefix sane half the time so the body parsers see the damage, not the framer.
      for (const flip of flips) bytes[4 + (flip.at % (bytes.length - 4))] = flip.value;
      const sent = cut === undefined ? bytes : bytes.subarray(0, 4 + (cut % (bytes.length - 4)));
      await exchange(sent, cut !== undefined);
    }),
    { numRuns: 500 },
  );
  expect(await stillServing()).toBe(true);
});
