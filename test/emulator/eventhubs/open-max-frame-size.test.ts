import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FrameGuard } from '../../../src/emulator/eventhubs/frame-guard.js';
import { EmulatorChild } from '../../reliability/harness/child.js';
import { AMQP_HEADER, attach, begin, bool, described, flow, frame, list, nil, rawClient, str, uint } from './raw-amqp.js';

// A mutated session from the long reliability fuzz (fuzz-eventhubs.test.ts, seed 5, index 763)
// flipped one bit of its open: max-frame-size null (0x40) became true (0x41). rhea sends in
// pieces of (peer max-frame-size − 50 − tag length) bytes without checking it, so the first
// answer (the $cbs reply) split in pieces of −58 bytes for ever: the emulator's heap reached 4 GB
// and the process died. The emulator runs in a child process here, so a runaway loop is a failed
// assertion, not a hung test runner.

const openWith = (maxFrameSize: Buffer) => frame(described(0x10, list(str('hostile-client'), str('127.0.0.1'), maxFrameSize)));

/** A $cbs put-token with a reply address: the emulator answers it with one message. */
function putToken(): Buffer {
  const properties = described(0x73, list(nil, nil, nil, nil, str('replies')));
  const pairs = [str('operation'), str('put-token'), str('type'), str('servicebus.windows.net:sastoken'), str('name'), str('sb://127.0.0.1/eh1')];
  const pairBytes = Buffer.concat(pairs);
  const map = Buffer.concat([Buffer.from([0xd1]), Buffer.alloc(8), pairBytes]);
  map.writeUInt32BE(pairBytes.length + 4, 1);
  map.writeUInt32BE(pairs.length, 5);
  const body = described(0x77, str('SharedAccessSignature sr=x&sig=y&se=1&skn=z'));
  const payload = Buffer.concat([properties, described(0x74, map), body]);
  const fields = [uint(0), uint(0), Buffer.from([0xa0, 1, 0]), uint(0), bool(true), bool(false)];
  return frame(Buffer.concat([described(0x14, list(...fields)), payload]));
}

function session(maxFrameSize: Buffer): Buffer {
  return Buffer.concat([
    AMQP_HEADER,
    openWith(maxFrameSize),
    begin(),
    attach('requests', 0, 'sender', '$cbs'),
    attach('replies', 1, 'receiver', '$cbs'),
    flow(1, 10),
    putToken(),
  ]);
}

describe('the open frame guard', () => {
  test.each([
    ['true', bool(true), 'amqp:decode-error'],
    ['0', uint(0), 'amqp:invalid-field'],
    ['49', uint(49), 'amqp:invalid-field'],
    ['511', uint(511), 'amqp:invalid-field'],
  ])('refuses max-frame-size %s', (_name, value, condition) => {
    expect(new FrameGuard(65536).check(Buffer.concat([AMQP_HEADER, openWith(value)]))?.condition).toBe(condition);
  });

  test.each([
    ['null', nil],
    ['512', uint(512)],
    ['4294967295', uint(0xffffffff)],
  ])('accepts max-frame-size %s', (_name, value) => {
    expect(new FrameGuard(65536).check(Buffer.concat([AMQP_HEADER, openWith(value)]))).toBeUndefined();
  });
});

describe('an open whose max-frame-size rhea cannot send with', () => {
  let child: EmulatorChild;
  beforeAll(async () => {
    child = await EmulatorChild.start({ eventhubs: {} });
  }, 30_000);
  afterAll(() => child?.stop());

  // First, so its answer proves these bytes make the emulator send (the loop's trigger).
  test('a valid max-frame-size still gets its $cbs answer', async () => {
    const port = Number(child.info.eventhubs.connectionString.match(/:(\d+)/)![1]);
    const client = await rawClient(port);
    client.socket.write(session(uint(65536)));
    const answered = await Promise.race([client.waitFor('status-code'), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3000))]);
    expect(answered).toBe(true);
    client.socket.destroy();
  });

  test.each([
    ['true (the fuzz case)', bool(true)],
    ['a uint below 512', uint(40)],
  ])('max-frame-size %s: the connection is closed and the process stays small and responsive', async (_name, value) => {
    const port = Number(child.info.eventhubs.connectionString.match(/:(\d+)/)![1]);
    const client = await rawClient(port);
    client.socket.write(session(value));
    const closed = await Promise.race([client.closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3000))]);
    client.socket.destroy();
    expect(await child.responsive(2000)).toBe(true);
    expect(child.rssMb()).toBeLessThan(400);
    expect(closed).toBe(true);
  });
});
