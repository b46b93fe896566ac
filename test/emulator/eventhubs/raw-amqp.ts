import { connect, type Socket } from 'node:net';

// Hand-encoded AMQP 1.0 for hostile-wire tests: no client library in the way, so a test can send
// exactly the bytes (and the pace) it means to. Encodings per AMQP 1.0 types §1.6.

export const AMQP_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0]);
export const SASL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 3, 1, 0, 0]);

export const nil = Buffer.from([0x40]);
export const bool = (value: boolean) => Buffer.from([value ? 0x41 : 0x42]);
export const uint = (value: number) => {
  const bytes = Buffer.alloc(5);
  bytes[0] = 0x70;
  bytes.writeUInt32BE(value, 1);
  return bytes;
};
export const str = (value: string) => {
  const text = Buffer.from(value, 'utf8');
  return Buffer.concat([Buffer.from([0xa1, text.length]), text]);
};
export const bin = (value: Buffer) => Buffer.concat([Buffer.from([0xa0, value.length]), value]);

export function list(...items: Buffer[]): Buffer {
  const body = Buffer.concat(items);
  const head = Buffer.alloc(9);
  head[0] = 0xd0;
  head.writeUInt32BE(body.length + 4, 1);
  head.writeUInt32BE(items.length, 5);
  return Buffer.concat([head, body]);
}

export const described = (code: number, value: Buffer) => Buffer.concat([Buffer.from([0x00, 0x53, code]), value]);

export function frame(body: Buffer, channel = 0, type = 0): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head[4] = 2;
  head[5] = type;
  head.writeUInt16BE(channel, 6);
  return Buffer.concat([head, body]);
}

export const open = () => frame(described(0x10, list(str('raw-test-client'))));
export const begin = () => frame(described(0x11, list(nil, uint(0), uint(0x7fffffff), uint(0x7fffffff))));

/** Attach as sender (role=false) to `target`, or as receiver (role=true) from `source`. */
export function attach(name: string, handle: number, role: 'sender' | 'receiver', address: string): Buffer {
  const source = described(0x28, list(str(role === 'receiver' ? address : name)));
  const target = described(0x29, list(str(role === 'sender' ? address : name)));
  return frame(described(0x12, list(str(name), uint(handle), bool(role === 'receiver'), nil, nil, source, target)));
}

export function flow(handle: number, credit: number): Buffer {
  return frame(described(0x13, list(uint(0), uint(0x7fffffff), uint(0), uint(0x7fffffff), uint(handle), uint(0), uint(credit))));
}

export function transfer(handle: number, deliveryId: number | undefined, more: boolean, payload: Buffer): Buffer {
  const fields = [uint(handle), deliveryId === undefined ? nil : uint(deliveryId), deliveryId === undefined ? nil : bin(Buffer.from([deliveryId & 0xff])), uint(0), bool(false), bool(more)];
  return frame(Buffer.concat([described(0x14, list(...fields)), payload]));
}

/** A TCP client that collects everything the server says. */
export interface RawClient {
  socket: Socket;
  received(): Buffer;
  closed: Promise<void>;
  /** Resolves once the server has sent `needle` (as latin1 text) or the socket closed. */
  waitFor(needle: string): Promise<boolean>;
}

export async function rawClient(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const chunks: Buffer[] = [];
  let listeners: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    for (const wake of listeners) wake();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void closed.then(() => {
    for (const wake of listeners) wake();
  });
  let isClosed = false;
  void closed.then(() => (isClosed = true));
  const received = () => Buffer.concat(chunks);
  return {
    socket,
    received,
    closed,
    waitFor: (needle) =>
      new Promise<boolean>((resolve) => {
        const check = () => {
          if (received().toString('latin1').includes(needle)) return finish(true);
          if (isClosed) return finish(false);
        };
        const finish = (found: boolean) => {
          listeners = listeners.filter((wake) => wake !== check);
          resolve(found);
        };
        listeners.push(check);
        check();
      }),
  };
}

/** Bytes held in ArrayBuffers after a full collection: what is retained, not what is garbage. */
export async function retainedBytes(): Promise<number> {
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}
