import rhea, { type Connection } from 'rhea';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/server.js';
import { FrameGuard } from '../../../src/emulator/eventhubs/frame-guard.js';
import { EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../../../src/emulator/defaults.js';
import { AMQP_HEADER, attach, begin, described, frame, list, nil, open, uint } from './raw-amqp.js';

// Sessions and links per AMQP connection are bounded, tighter before the connection is
// authorized: one connection that had not put a token attached 60,000 links to $cbs in seconds
// (rhea allocates ~11 KB per link: 400 MB), and nothing stopped it before the handshake deadline.

let emulator: RunningEventHubsEmulator;
beforeAll(async () => {
  emulator = await startEventHubsEmulator({ log: () => undefined });
});
afterAll(() => emulator?.close());

function connect(options: Record<string, unknown> = {}): Promise<{ connection: Connection; closed: Promise<{ condition?: string }> }> {
  const connection = rhea.create_container().connect({ host: '127.0.0.1', port: emulator.port, reconnect: false, ...options });
  const closed = new Promise<{ condition?: string }>((resolve) => {
    connection.on('connection_close', (context) => resolve({ condition: (context.connection.error as { condition?: string } | undefined)?.condition }));
    connection.on('disconnected', () => resolve({}));
  });
  connection.on('connection_error', () => undefined);
  return new Promise((resolve) => connection.once('connection_open', () => resolve({ connection, closed })));
}

test('before it is authorized a connection may attach a few links; past them it is closed with amqp:resource-limit-exceeded', async () => {
  const { connection, closed } = await connect();
  for (let i = 0; i < 200; i++) connection.open_sender({ target: { address: '$cbs' }, name: `flood-${i}` });
  expect((await closed).condition).toBe('amqp:resource-limit-exceeded');
});

test('an authorized connection opens far more links than that', async () => {
  const { connection, closed } = await connect({ username: EMULATOR_KEY_NAME, password: EMULATOR_SAS_KEY });
  let opened = 0;
  await new Promise<void>((resolve) => {
    connection.on('sender_open', () => {
      if (++opened === 100) resolve();
    });
    for (let i = 0; i < 100; i++) connection.open_sender({ target: { address: 'eh1' }, name: `many-${i}` });
  });
  let isClosed = false;
  void closed.then(() => (isClosed = true));
  expect(isClosed).toBe(false);
  connection.close();
});

test('the frame guard counts begin, attach, detach and end per connection', () => {
  let authorized = false;
  const guard = new FrameGuard({ maxLinksBeforeAuthorization: 2, maxSessions: 3, maxLinks: 3 }, () => authorized);
  expect(guard.push(Buffer.concat([AMQP_HEADER, open(), begin(), attach('a', 0, 'sender', '$cbs'), attach('b', 1, 'receiver', '$cbs')])).violation).toBeUndefined();
  expect(guard.push(attach('c', 2, 'sender', '$cbs')).violation?.condition).toBe('amqp:resource-limit-exceeded');
  authorized = true;
  const detach = (handle: number) => frame(described(0x16, list(uint(handle), nil)));
  expect(guard.push(attach('c', 2, 'sender', 'eh1')).violation).toBeUndefined();
  expect(guard.push(attach('d', 3, 'sender', 'eh1')).violation?.condition).toBe('amqp:resource-limit-exceeded');
  expect(guard.push(detach(0)).violation).toBeUndefined();
  expect(guard.push(attach('d', 3, 'sender', 'eh1')).violation).toBeUndefined();
  // Ending the session frees its links.
  expect(guard.push(frame(described(0x17, list()))).violation).toBeUndefined();
  expect(guard.push(Buffer.concat([begin(), attach('e', 0, 'sender', 'eh1'), attach('f', 1, 'sender', 'eh1'), attach('g', 2, 'sender', 'eh1')])).violation).toBeUndefined();
});

test('the bounds are options: limits.maxLinksBeforeAuthorization', async () => {
  const strict = await startEventHubsEmulator({ log: () => undefined, limits: { maxLinksBeforeAuthorization: 1 } });
  try {
    const connection = rhea.create_container().connect({ host: '127.0.0.1', port: strict.port, reconnect: false });
    connection.on('connection_error', () => undefined);
    const closed = new Promise<string | undefined>((resolve) => connection.on('connection_close', (context) => resolve((context.connection.error as { condition?: string } | undefined)?.condition)));
    await new Promise((resolve) => connection.once('connection_open', resolve));
    // $cbs needs a sender and a receiver: two links, one more than allowed.
    connection.open_sender('$cbs');
    connection.open_receiver('$cbs');
    expect(await closed).toBe('amqp:resource-limit-exceeded');
  } finally {
    await strict.close();
  }
});
