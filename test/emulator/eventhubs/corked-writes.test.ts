import { Socket } from 'node:net';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/server.js';
import { AMQP_HEADER, attach, begin, flow, open, rawClient } from './raw-amqp.js';

// rhea writes every frame on its own; amqp-socket.ts sends the frames of one tick in one socket
// write. A receiver granted credit for many small events gets them in a handful of writes, not
// one write (one syscall) per transfer.

const EVENTS = 300;
let emulator: RunningEventHubsEmulator;

beforeAll(async () => {
  emulator = await startEventHubsEmulator({ acceptAnyToken: true });
  const partition = emulator.namespace.hub('eh1')!.partition('0')!;
  for (let index = 0; index < EVENTS; index++) {
    const body = Buffer.from(`event-${String(index).padStart(4, '0')}`);
    partition.append([{ message: Buffer.concat([Buffer.from([0x00, 0x53, 0x75, 0xa0, body.length]), body]) }]);
  }
});
afterAll(() => emulator.close());

test('the transfers of one pump leave in a few socket writes, not one per transfer', async () => {
  const write = vi.spyOn(Socket.prototype, 'write');
  const client = await rawClient(emulator.port);
  const clientPort = client.socket.localPort;
  client.socket.write(Buffer.concat([AMQP_HEADER, open(), begin(), attach('reader', 0, 'receiver', 'eh1/ConsumerGroups/$default/Partitions/0'), flow(0, EVENTS)]));
  expect(await client.waitFor(`event-${String(EVENTS - 1).padStart(4, '0')}`)).toBe(true);
  const toClient = write.mock.instances.filter((socket) => (socket as unknown as Socket).remotePort === clientPort && (socket as unknown as Socket).localPort === emulator.port);
  write.mockRestore();
  client.socket.destroy();
  expect(toClient.length).toBeGreaterThan(0);
  expect(toClient.length).toBeLessThan(EVENTS / 10);
});
