import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/server.js';
import { AMQP_HEADER, attach, bool, described, frame, list, nil, open, rawClient, uint, type RawClient } from './raw-amqp.js';

// A consumer closing while transfers are still queued for it (the Azure SDK's close() with a full
// prefetch): nothing of the link may follow its detach on the wire (the client's rhea fails
// "Invalid handle" and drops the connection), and the client's own frames that cross its `end`
// must not cost it the connection (rhea sends flow while it drains transfers after its end).

const EVENTS = 50;
const TRANSFER = 0x14;
const DETACH = 0x16;
const CLOSE = 0x18;
let emulator: RunningEventHubsEmulator;

beforeAll(async () => {
  emulator = await startEventHubsEmulator({ acceptAnyToken: true });
  for (const id of ['0', '1']) {
    const partition = emulator.namespace.hub('eh1')!.partition(id)!;
    for (let index = 0; index < EVENTS; index++) partition.append([{ message: Buffer.from([0x00, 0x53, 0x75, 0xa0, 1, index]) }]);
  }
});
afterAll(() => emulator.close());

const begin = (incomingWindow: number) => frame(described(0x11, list(nil, uint(0), uint(incomingWindow), uint(0x7fffffff))));
/** A session-level flow (no handle) opening the incoming window. */
const sessionFlow = (nextIncomingId: number, incomingWindow: number, channel = 0) =>
  frame(described(0x13, list(uint(nextIncomingId), uint(incomingWindow), uint(0), uint(0x7fffffff))), channel);
const linkFlow = (handle: number, credit: number, incomingWindow: number) =>
  frame(described(0x13, list(uint(0), uint(incomingWindow), uint(0), uint(0x7fffffff), uint(handle), uint(0), uint(credit))));
const detach = (handle: number) => frame(described(0x16, list(uint(handle), bool(true))));
const end = (channel = 0) => frame(described(0x17, list()), channel);

interface SentFrame {
  code: number;
  /** A transfer's handle and delivery-id (the first two fields of its list). */
  handle?: number;
  deliveryId?: number;
}

/** A uint as rhea writes it (uint0, smalluint, uint) at `at`; its value and where the next field starts. */
function uintAt(bytes: Buffer, at: number): [number, number] {
  const code = bytes[at];
  if (code === 0x43) return [0, at + 1];
  if (code === 0x52) return [bytes[at + 1]!, at + 2];
  return [bytes.readUInt32BE(at + 1), at + 5];
}

/** The frames the server sent, in order (AMQP frames after the protocol header). */
function sentFrames(bytes: Buffer): SentFrame[] {
  const frames: SentFrame[] = [];
  let position = 8;
  while (position + 8 <= bytes.length) {
    const size = bytes.readUInt32BE(position);
    const body = position + bytes[position + 4]! * 4;
    if (body < position + size && bytes[body] === 0x00 && bytes[body + 1] === 0x53) {
      const code = bytes[body + 2]!;
      if (code === TRANSFER) {
        const list = body + 3;
        const fields = list + (bytes[list] === 0xc0 ? 3 : 9);
        const [handle, next] = uintAt(bytes, fields);
        const [deliveryId] = uintAt(bytes, next);
        frames.push({ code, handle, deliveryId });
      } else {
        frames.push({ code });
      }
    }
    position += size;
  }
  return frames;
}

const performatives = (bytes: Buffer): number[] => sentFrames(bytes).map((sent) => sent.code);


async function until(client: RawClient, done: (codes: number[]) => boolean): Promise<number[]> {
  for (let waited = 0; waited < 5000; waited += 20) {
    const codes = performatives(client.received());
    if (done(codes)) return codes;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performatives(client.received());
}

test('a consumer detached with transfers still queued sends none of them after its detach', async () => {
  const client = await rawClient(emulator.port);
  // A session window of 5: the other 45 transfers wait in the emulator's queue.
  client.socket.write(Buffer.concat([AMQP_HEADER, open(), begin(5), attach('reader', 0, 'receiver', 'eh1/ConsumerGroups/$default/Partitions/0'), linkFlow(0, EVENTS, 5)]));
  expect((await until(client, (codes) => codes.filter((code) => code === TRANSFER).length >= 5)).filter((code) => code === TRANSFER)).toHaveLength(5);
  client.socket.write(detach(0));
  await until(client, (codes) => codes.includes(DETACH));
  // Now the window opens: a queued transfer of the detached link would go out here.
  client.socket.write(sessionFlow(5, 1000));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const codes = performatives(client.received());
  expect(codes).toContain(DETACH);
  expect(codes.slice(codes.indexOf(DETACH))).not.toContain(TRANSFER);
  client.socket.destroy();
});

test("a detached link's queued transfers leave the queue; the other links' transfers follow with consecutive delivery-ids", async () => {
  const client = await rawClient(emulator.port);
  const linkFlowOn = (handle: number) => frame(described(0x13, list(uint(0), uint(4), uint(0), uint(0x7fffffff), uint(handle), uint(0), uint(EVENTS))));
  client.socket.write(
    Buffer.concat([
      AMQP_HEADER,
      open(),
      begin(4),
      attach('first', 0, 'receiver', 'eh1/ConsumerGroups/$default/Partitions/0'),
      attach('second', 1, 'receiver', 'eh1/ConsumerGroups/$default/Partitions/1'),
      linkFlowOn(0),
      linkFlowOn(1),
    ]),
  );
  await until(client, (codes) => codes.filter((code) => code === TRANSFER).length >= 4);
  client.socket.write(detach(0));
  await until(client, (codes) => codes.includes(DETACH));
  client.socket.write(sessionFlow(4, 10_000));
  const transfers = () => sentFrames(client.received()).filter((sent) => sent.code === TRANSFER);
  await until(client, () => transfers().filter((sent) => sent.handle === 1).length >= EVENTS);
  const sent = sentFrames(client.received());
  const afterDetach = sent.slice(sent.findIndex((frame) => frame.code === DETACH));
  expect(afterDetach.filter((frame) => frame.code === TRANSFER && frame.handle === 0)).toEqual([]);
  expect(transfers().filter((frame) => frame.handle === 1)).toHaveLength(EVENTS);
  expect(transfers().map((frame) => frame.deliveryId)).toEqual(transfers().map((_, index) => index));
  client.socket.destroy();
});

test('frames the client sends on a session after its own end are dropped, not a connection error', async () => {
  const client = await rawClient(emulator.port);
  client.socket.write(Buffer.concat([AMQP_HEADER, open(), begin(1000), end(0)]));
  await until(client, (codes) => codes.includes(0x17));
  client.socket.write(sessionFlow(0, 1000, 0));
  // The connection still works: a new session on the same channel is answered.
  client.socket.write(begin(1000));
  const codes = await until(client, (seen) => seen.filter((code) => code === 0x11).length >= 2 || seen.includes(CLOSE));
  expect(codes).not.toContain(CLOSE);
  expect(codes.filter((code) => code === 0x11)).toHaveLength(2);
  client.socket.destroy();
});

test('a flow on a channel that was never begun still closes the connection', async () => {
  const client = await rawClient(emulator.port);
  client.socket.write(Buffer.concat([AMQP_HEADER, open(), sessionFlow(0, 1000, 7)]));
  expect(await until(client, (codes) => codes.includes(CLOSE))).toContain(CLOSE);
  client.socket.destroy();
});
