import { connect, type Socket } from 'node:net';
import { expect } from 'vitest';
import { KafkaReader, KafkaWriter } from '../../../src/emulator/eventhubs/kafka/codec.js';

// A bare Kafka connection for wire tests: hand-made frames out, size-prefixed answers back.

export class RawClient {
  private buffered = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  closed = false;
  private correlation = 0;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    return new RawClient(socket);
  }

  sendFrame(frame: Buffer): void {
    const size = Buffer.alloc(4);
    size.writeInt32BE(frame.length);
    this.socket.write(Buffer.concat([size, frame]));
  }

  /** Header v1 (v2 adds an empty tag section when flexible) then `body`. */
  send(apiKey: number, version: number, body: (w: KafkaWriter) => void, flexibleHeader = false): number {
    const id = ++this.correlation;
    const writer = new KafkaWriter().int16(apiKey).int16(version).int32(id).nullableString('raw', false).tags(flexibleHeader);
    body(writer);
    this.sendFrame(writer.finish());
    return id;
  }

  async response(): Promise<KafkaReader | undefined> {
    for (;;) {
      if (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        const frame = this.buffered.subarray(4, 4 + size);
        this.buffered = this.buffered.subarray(4 + size);
        return new KafkaReader(Buffer.from(frame));
      }
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  async login(user: string, password: string): Promise<number> {
    this.send(17, 1, (w) => w.string('PLAIN', false));
    const handshake = (await this.response())!;
    handshake.int32();
    expect(handshake.int16()).toBe(0);
    this.send(36, 1, (w) => w.nullableBytes(Buffer.from(`\u0000${user}\u0000${password}`), false));
    const auth = await this.response();
    if (!auth) return -1;
    auth.int32();
    return auth.int16();
  }

  close(): void {
    this.socket.destroy();
  }
}
