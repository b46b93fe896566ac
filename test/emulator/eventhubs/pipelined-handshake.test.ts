import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EMULATOR_KEY_NAME, EMULATOR_SAS_KEY } from '../../../src/emulator/defaults.js';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/server.js';
import { AMQP_HEADER, SASL_HEADER, attach, begin, bin, described, frame, list, open } from './raw-amqp.js';

// A pipelining client (Qpid Proton-C and other AMQP 1.0 stacks may) writes its whole opening at
// once, before reading anything: SASL header, sasl-init, AMQP header, open (and begin, attach).
// rhea decides the SASL outcome a promise tick after sasl-init; the bytes behind it used to reach
// its SASL layer first, which took `AMQP 0 1 0 0` for the size of a 1.1 GB frame: the client got
// its SASL outcome and then nothing (src/emulator/eventhubs/sasl-handover.ts).

let emulator: RunningEventHubsEmulator;
const lines: string[] = [];

beforeAll(async () => {
  emulator = await startEventHubsEmulator({ log: (line) => lines.push(line) });
});
afterAll(() => emulator.close());

const symbol = (value: string) => Buffer.concat([Buffer.from([0xa3, value.length]), Buffer.from(value, 'latin1')]);
const saslInit = (mechanism: string, response?: Buffer) =>
  frame(described(0x41, list(symbol(mechanism), ...(response ? [bin(response)] : []))), 0, 1);
const plain = (keyName: string, key: string) => saslInit('PLAIN', Buffer.from(`\u0000${keyName}\u0000${key}`));

/** What the server sent, unit by unit: `header:<id>`, `sasl-outcome:<code>`, or a performative code. */
type Unit = { header: number } | { code: number; outcome?: number; channel: number };

function parseUnits(bytes: Buffer): Unit[] {
  const units: Unit[] = [];
  let at = 0;
  while (at + 8 <= bytes.length) {
    if (bytes.toString('latin1', at, at + 4) === 'AMQP') {
      units.push({ header: bytes[at + 4]! });
      at += 8;
      continue;
    }
    const size = bytes.readUInt32BE(at);
    if (at + size > bytes.length) break;
    const body = at + bytes[at + 4]! * 4;
    const channel = bytes.readUInt16BE(at + 6);
    if (body < at + size) {
      const code = bytes[body + 2]!; // 0x00 0x53 <code>: every performative we send is described by a smallulong
      // sasl-outcome's first field, the code (ubyte 0x50), behind a list8 or list32 header.
      const field = bytes[body + 3] === 0xc0 ? body + 6 : body + 12;
      units.push(code === 0x44 ? { code, outcome: bytes[field + 1]!, channel } : { code, channel });
    }
    at += size;
  }
  return units;
}

const OPEN = 0x10;
const BEGIN = 0x11;
const ATTACH = 0x12;
const DETACH = 0x16;
const CLOSE = 0x18;
const has = (units: Unit[], code: number) => units.some((unit) => 'code' in unit && unit.code === code);

interface Peer {
  /** Resolves with the units received once `done(units)` holds, or once the server closed. */
  until(done: (units: Unit[]) => boolean): Promise<{ units: Unit[]; closed: boolean }>;
  close(): void;
}

function peer(subscribe: (onBytes: (chunk: Buffer) => void, onClose: () => void) => void, close: () => void): Peer {
  const chunks: Buffer[] = [];
  let closed = false;
  let wake = (): void => undefined;
  subscribe(
    (chunk) => {
      chunks.push(chunk);
      wake();
    },
    () => {
      closed = true;
      wake();
    },
  );
  return {
    until: (done) =>
      new Promise((resolve) => {
        wake = () => {
          const units = parseUnits(Buffer.concat(chunks));
          if (closed || done(units)) resolve({ units, closed });
        };
        wake();
      }),
    close,
  };
}

async function tcpPeer(bytes: Buffer): Promise<Peer> {
  const socket: Socket = connect(emulator.port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  const result = peer(
    (onBytes, onClose) => {
      socket.on('data', onBytes);
      socket.once('close', onClose);
    },
    () => socket.destroy(),
  );
  socket.write(bytes); // one write: the whole opening before reading anything
  return result;
}

async function webSocketPeer(bytes: Buffer): Promise<Peer> {
  const socket = new WebSocket(`ws://127.0.0.1:${emulator.port}/$servicebus/websocket`, 'AMQPWSB10');
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('open', resolve));
  const result = peer(
    (onBytes, onClose) => {
      socket.on('message', (data: Buffer) => onBytes(data));
      socket.once('close', onClose);
    },
    () => socket.terminate(),
  );
  socket.send(bytes, { binary: true }); // one binary message
  return result;
}

const openingWith = (init: Buffer) => Buffer.concat([SASL_HEADER, init, AMQP_HEADER, open()]);

describe('an opening pipelined in one write', () => {
  test.each([
    ['SASL ANONYMOUS', saslInit('ANONYMOUS', Buffer.from('pipeliner'))],
    ['SASL PLAIN', plain(EMULATOR_KEY_NAME, EMULATOR_SAS_KEY)],
    ['SASL MSSBCBS', saslInit('MSSBCBS')],
  ])('%s + AMQP header + open over TCP: the SASL outcome, then our AMQP header and open', async (_name, init) => {
    const client = await tcpPeer(openingWith(init));
    const { units, closed } = await client.until((received) => has(received, OPEN));
    client.close();
    expect(closed).toBe(false);
    expect(units.slice(0, 4)).toEqual([{ header: 3 }, { code: 0x40, channel: 0 }, { code: 0x44, outcome: 0, channel: 0 }, { header: 0 }]);
    expect(units[4]).toEqual({ code: OPEN, channel: 0 });
  });

  test('SASL PLAIN + AMQP header + open + begin + attach over TCP: each answered, in order', async () => {
    const bytes = Buffer.concat([openingWith(plain(EMULATOR_KEY_NAME, EMULATOR_SAS_KEY)), begin(), attach('sender', 0, 'sender', 'eh1')]);
    const client = await tcpPeer(bytes);
    const { units } = await client.until((received) => has(received, ATTACH));
    client.close();
    const codes = units.map((unit) => ('header' in unit ? `header ${unit.header}` : unit.code === 0x44 ? `outcome ${unit.outcome}` : unit.code));
    expect(codes.slice(0, 7)).toEqual(['header 3', 0x40, 'outcome 0', 'header 0', OPEN, BEGIN, ATTACH]);
    expect(has(units, DETACH)).toBe(false); // PLAIN authorized the sender
  });

  test('the bare AMQP header + open + begin + attach (no SASL) over TCP: each answered, in order', async () => {
    const client = await tcpPeer(Buffer.concat([AMQP_HEADER, open(), begin(), attach('sender', 0, 'sender', 'eh1')]));
    const { units } = await client.until((received) => has(received, ATTACH));
    client.close();
    // No token yet, so the attach answer is followed by a detach (unauthorized): the order is the point.
    expect(units.map((unit) => ('header' in unit ? 'header' : unit.code)).slice(0, 4)).toEqual(['header', OPEN, BEGIN, ATTACH]);
  });

  test('SASL ANONYMOUS + AMQP header + open over WebSocket in one binary message: the SASL outcome, then our AMQP header and open', async () => {
    const client = await webSocketPeer(openingWith(saslInit('ANONYMOUS')));
    const { units, closed } = await client.until((received) => has(received, OPEN));
    client.close();
    expect(closed).toBe(false);
    expect(units.filter((unit) => 'header' in unit || unit.code !== 0x40)).toEqual([{ header: 3 }, { code: 0x44, outcome: 0, channel: 0 }, { header: 0 }, { code: OPEN, channel: 0 }]);
  });

  test('a wrong PLAIN key with AMQP header + open behind it: the refusal, then the connection is closed (no AMQP header, no open)', async () => {
    const client = await tcpPeer(openingWith(plain(EMULATOR_KEY_NAME, `${EMULATOR_SAS_KEY}x`)));
    const { units, closed } = await client.until(() => false);
    expect(closed).toBe(true);
    expect(units).toEqual([{ header: 3 }, { code: 0x40, channel: 0 }, { code: 0x44, outcome: 1, channel: 0 }]);
    expect(lines.some((line) => line.includes('amqp:unauthorized-access') && line.includes('SASL authentication failed'))).toBe(true);
  });

  test('an AMQP header straight after the SASL header (no sasl-init): closed, not held waiting for an outcome that never comes', async () => {
    const client = await tcpPeer(Buffer.concat([SASL_HEADER, AMQP_HEADER, open()]));
    const { units, closed } = await client.until(() => false);
    expect(closed).toBe(true);
    expect(units.some((unit) => 'code' in unit && (unit.code === OPEN || unit.code === CLOSE))).toBe(false);
    expect(lines.some((line) => line.includes('before the SASL exchange had an outcome'))).toBe(true);
  });
});
