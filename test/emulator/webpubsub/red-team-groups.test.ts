import { afterAll, beforeAll, expect, test } from 'vitest';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { MAX_GROUPS_PER_CONNECTION } from '../../../src/emulator/webpubsub/subprotocol-frames.js';
import { clientUrl, connectRaw, isAck, JSON_PROTOCOL } from './helpers.js';

// A client allowed to join groups could join any number, with names of any length: 2,000 joins
// of 100 KB names held 250 MB, and nothing stopped it there. Names now follow the service's rule
// (1–1024 characters, as in REST paths) and one connection is in at most 10,000 groups.

let emulator: RunningWebPubSubEmulator;
beforeAll(async () => {
  emulator = await startWebPubSubEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator?.close();
});

test('a group name past 1024 characters or blank is refused with an ack error; the connection stays', async () => {
  const client = await connectRaw(await clientUrl(emulator, 'names', { roles: ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'] }), JSON_PROTOCOL);
  // (An empty name is not a valid frame at all: the decoder closes the connection with 1007.)
  const refused = ['x'.repeat(1025), '   ', 'z'.repeat(100_000)];
  refused.forEach((group, index) => client.send({ type: 'joinGroup', group, ackId: index + 1 }));
  client.send({ type: 'sendToGroup', group: 'y'.repeat(100_000), dataType: 'text', data: 'hi', ackId: 10 });
  for (const ackId of [1, 2, 3, 10]) expect((await client.next(isAck(ackId))).success).toBe(false);
  client.send({ type: 'joinGroup', group: 'x'.repeat(1024), ackId: 20 });
  expect((await client.next(isAck(20))).success).toBe(true);
  client.ws.close();
});

test(`one connection is in at most ${MAX_GROUPS_PER_CONNECTION} groups; leaving makes room`, async () => {
  const client = await connectRaw(await clientUrl(emulator, 'many', { roles: ['webpubsub.joinLeaveGroup'] }), JSON_PROTOCOL);
  for (let i = 1; i <= MAX_GROUPS_PER_CONNECTION + 1; i++) {
    client.send({ type: 'joinGroup', group: `g${i}`, ackId: i });
    // Within the upstream queue's 1000 frames.
    if (i % 500 === 0) await client.next(isAck(i), 10_000);
  }
  const last = await client.next(isAck(MAX_GROUPS_PER_CONNECTION + 1), 10_000);
  expect(last.success).toBe(false);
  // Joining a group it is in already is not a new group.
  client.send({ type: 'joinGroup', group: 'g1', ackId: 20_001 });
  expect((await client.next(isAck(20_001))).success).toBe(true);
  client.send({ type: 'leaveGroup', group: 'g1', ackId: 20_002 });
  await client.next(isAck(20_002));
  client.send({ type: 'joinGroup', group: 'another', ackId: 20_003 });
  expect((await client.next(isAck(20_003))).success).toBe(true);
  client.ws.close();
});
