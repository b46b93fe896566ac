import { connect, type Socket } from 'node:net';
import { EventHubProducerClient } from '@azure/event-hubs';
import rhea from 'rhea';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/index.js';

// Raw bytes against the emulator: malformed input closes only the offending connection, with
// the AMQP header (bad protocol header) or an AMQP close carrying the error (bad frame); other
// clients keep working. Also SASL PLAIN / MSSBCBS with a plain rhea client (format-0 sends).

// @ts-expect-error rhea's frame codec has no typings
import * as frames from 'rhea/lib/frames.js';

let emulator: RunningEventHubsEmulator;

beforeAll(async () => {
  emulator = await startEventHubsEmulator({});
});

afterAll(async () => {
  await emulator?.close();
});

const AMQP_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0]);

interface RawPeer {
  socket: Socket;
  /** Everything received until the server ended the connection. */
  closed: Promise<Buffer>;
}

function rawConnect(): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(emulator.port, '127.0.0.1', () => {
      const closed = new Promise<Buffer>((done) => socket.on('close', () => done(Buffer.concat(chunks))));
      resolve({ socket, closed });
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
  });
}

/** Performatives in a server byte stream after its 8-byte header: [descriptor code, error condition]. */
function performatives(bytes: Buffer): Array<{ code: number; condition?: string }> {
  const result: Array<{ code: number; condition?: string }> = [];
  let position = 8;
  while (position + 8 <= bytes.length) {
    const size = bytes.readUInt32BE(position);
    if (size === 8) {
      position += size; // heartbeat
      continue;
    }
    const frame = frames.read_frame(bytes.subarray(position, position + size));
    const code = bytes[position + bytes[position + 4]! * 4 + 2]!;
    result.push({ code, ...(frame.performative?.error ? { condition: frame.performative.error.condition } : {}) });
    position += size;
  }
  return result;
}

const OPEN = 0x10;
const CLOSE = 0x18;

function openFrame(): Buffer {
  return frames.write_frame(frames.amqp_frame(0, frames.open({ container_id: 'raw-test' })));
}

async function openedPeer(): Promise<RawPeer> {
  const peer = await rawConnect();
  const opened = new Promise<void>((resolve) => {
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      if (performatives(seen).some((p) => p.code === OPEN)) {
        peer.socket.off('data', onData);
        resolve();
      }
    };
    peer.socket.on('data', onData);
  });
  peer.socket.write(Buffer.concat([AMQP_HEADER, openFrame()]));
  await opened;
  return peer;
}

describe('malformed input', () => {
  test('bytes that are not AMQP, TLS or HTTP get our AMQP header and a close', async () => {
    const peer = await rawConnect();
    peer.socket.write('\x01\x02 hello, not a protocol\n');
    expect(await peer.closed).toEqual(AMQP_HEADER);
  });

  test('an unsupported AMQP protocol header gets AMQP 0 1 0 0 and a close', async () => {
    const peer = await rawConnect();
    peer.socket.write(Buffer.from([0x41, 0x4d, 0x51, 0x50, 9, 1, 0, 0]));
    expect(await peer.closed).toEqual(AMQP_HEADER);
  });

  test('a frame above max-frame-size closes the connection with amqp:connection:framing-error', async () => {
    const peer = await openedPeer();
    const huge = Buffer.alloc(8);
    huge.writeUInt32BE(0x7fffffff, 0);
    huge[4] = 2;
    peer.socket.write(huge);
    const received = await peer.closed;
    expect(performatives(received).find((p) => p.code === CLOSE)).toEqual({ code: CLOSE, condition: 'amqp:connection:framing-error' });
  });

  test('a frame whose body does not decode closes the connection with an AMQP error', async () => {
    const peer = await openedPeer();
    const garbage = Buffer.from([0, 0, 0, 14, 2, 0, 0, 0, 0x00, 0x53, 0x12, 0xff, 0xee, 0xdd]);
    peer.socket.write(garbage);
    const close = performatives(await peer.closed).find((p) => p.code === CLOSE);
    expect(close?.condition).toMatch(/^amqp:(decode-error|illegal-state|connection:framing-error)$/);
  });

  test('a WebSocket text frame is refused with close code 1003', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${emulator.port}/$servicebus/websocket`, 'AMQPWSB10');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    expect(socket.protocol).toBe('AMQPWSB10');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send('AMQP as text');
    expect(await closed).toBe(1003);
  });

  test('a WebSocket upgrade on another path gets 404', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${emulator.port}/elsewhere`, 'AMQPWSB10');
    const status = await new Promise<number>((resolve) => socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)));
    expect(status).toBe(404);
  });

  test('an upgrade path with a malformed escape gets 404 and the emulator lives on', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${emulator.port}/%E0%A4%A/websocket`, 'AMQPWSB10');
    const status = await new Promise<number>((resolve) => socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)));
    expect(status).toBe(404);
    // The path with `$` percent-encoded is the same path.
    const encoded = new WebSocket(`ws://127.0.0.1:${emulator.port}/%24servicebus/websocket`, 'AMQPWSB10');
    await new Promise((resolve, reject) => encoded.once('open', resolve).once('error', reject));
    expect(encoded.protocol).toBe('AMQPWSB10');
    encoded.close();
  });

  test('bad connections do not disturb a client on another connection', async () => {
    const producer = new EventHubProducerClient(emulator.connectionString, 'eh1');
    await producer.sendBatch([{ body: 'before' }], { partitionId: '2' });
    const peers = await Promise.all([openedPeer(), openedPeer()]);
    for (const peer of peers) peer.socket.write(Buffer.from([0, 0, 0, 3, 2, 0, 0, 0]));
    await Promise.all(peers.map((peer) => peer.closed));
    await producer.sendBatch([{ body: 'after' }], { partitionId: '2' });
    expect((await producer.getPartitionProperties('2')).lastEnqueuedSequenceNumber).toBe(1);
    await producer.close();
  });
});

describe('SASL mechanisms with a plain rhea client', () => {
  function rheaConnect(options: Record<string, unknown>) {
    const container = rhea.create_container();
    const connection = container.connect({ host: '127.0.0.1', port: emulator.port, reconnect: false, ...options } as never);
    connection.on('disconnected', () => {}); // rhea prints a warning when nobody listens
    return { container, connection };
  }

  test('PLAIN with the policy name and key authorizes a sender without CBS; a format-0 message is stored', async () => {
    const key = /SharedAccessKey=([^;]+)/.exec(emulator.connectionString)![1]!;
    const { connection } = rheaConnect({ username: 'RootManageSharedAccessKey', password: key });
    const sender = connection.open_sender({ target: { address: 'eh1/Partitions/3' } });
    const outcome = await new Promise<string>((resolve) => {
      sender.once('sendable', () => {
        sender.send({ body: 'plain hello', message_annotations: { 'x-opt-partition-key': 'k' } });
      });
      sender.once('accepted', () => resolve('accepted'));
      sender.once('rejected', () => resolve('rejected'));
      connection.once('connection_error', () => resolve('connection_error'));
    });
    expect(outcome).toBe('accepted');
    connection.close();
    const producer = new EventHubProducerClient(emulator.connectionString, 'eh1');
    expect((await producer.getPartitionProperties('3')).lastEnqueuedSequenceNumber).toBe(0);
    await producer.close();
  });

  test('PLAIN with a wrong key fails SASL', async () => {
    const { connection } = rheaConnect({ username: 'RootManageSharedAccessKey', password: 'wrong' });
    const condition = await new Promise<string | undefined>((resolve) => {
      connection.once('connection_error', (context: { error?: { condition?: string } }) => resolve(context.error?.condition));
      connection.once('disconnected', () => resolve('disconnected without a SASL outcome'));
    });
    // rhea reports a SASL outcome of "auth" as amqp:unauthorized-access.
    expect(condition).toBe('amqp:unauthorized-access');
  });

  test('MSSBCBS is accepted; an attach without put-token is refused with amqp:unauthorized-access', async () => {
    const mechanisms = { MSSBCBS: () => ({ start: (callback: (error: unknown, response: Buffer) => void) => callback(undefined, Buffer.alloc(0)) }) };
    const { connection } = rheaConnect({ sasl_mechanisms: mechanisms });
    const receiver = connection.open_receiver({ source: { address: 'eh1/ConsumerGroups/$Default/Partitions/0' } });
    const condition = await new Promise<string>((resolve) => {
      receiver.once('receiver_error', (context: { receiver: { error?: { condition?: string } } }) => resolve(context.receiver.error?.condition ?? ''));
    });
    expect(condition).toBe('amqp:unauthorized-access');
    connection.close();
  });
});

describe('heartbeats', () => {
  test('the emulator sends empty frames when the client asks for an idle time-out', async () => {
    const peer = await rawConnect();
    let heartbeats = 0;
    const twoHeartbeats = new Promise<void>((resolve) => {
      let seen = Buffer.alloc(0);
      peer.socket.on('data', (chunk: Buffer) => {
        seen = Buffer.concat([seen, chunk]);
        // Walk whole frames after the 8-byte header; an 8-byte frame is a heartbeat.
        heartbeats = 0;
        for (let position = 8; position + 4 <= seen.length; position += seen.readUInt32BE(position)) {
          if (seen.readUInt32BE(position) === 8) heartbeats++;
        }
        if (heartbeats >= 2) resolve();
      });
    });
    const open = frames.write_frame(frames.amqp_frame(0, frames.open({ container_id: 'idle-test', idle_time_out: 200 })));
    peer.socket.write(Buffer.concat([AMQP_HEADER, open]));
    await twoHeartbeats;
    expect(heartbeats).toBeGreaterThanOrEqual(2);
    peer.socket.destroy();
  });
});

describe('with TLS on the port', () => {
  test('a broken TLS handshake closes only that socket; AMQPS with a plain rhea client works', async () => {
    const secure = await startEventHubsEmulator({ tls: true });
    try {
      const junk = connect(secure.port, '127.0.0.1');
      junk.on('error', () => {});
      junk.resume(); // read (the TLS alert) so the server's FIN is seen
      junk.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00]));
      await new Promise((resolve) => junk.on('close', resolve));

      const container = rhea.create_container();
      const connection = container.connect({
        host: '127.0.0.1',
        port: secure.port,
        transport: 'tls',
        ca: secure.certificate,
        servername: 'localhost',
        reconnect: false,
        username: 'RootManageSharedAccessKey',
        password: /SharedAccessKey=([^;]+)/.exec(secure.connectionString)![1]!,
      } as never);
      connection.on('disconnected', () => {});
      const sender = connection.open_sender({ target: { address: 'eh1/Partitions/0' } });
      const outcome = await new Promise<string>((resolve) => {
        sender.once('sendable', () => sender.send({ body: 'over amqps' }));
        sender.once('accepted', () => resolve('accepted'));
        sender.once('rejected', () => resolve('rejected'));
      });
      expect(outcome).toBe('accepted');
      connection.close();
    } finally {
      await secure.close();
    }
  });
});
