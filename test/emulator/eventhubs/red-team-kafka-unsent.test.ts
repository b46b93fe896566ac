import { Duplex } from 'node:stream';
import { afterAll, expect, test, vi } from 'vitest';
import { resolveNamespace } from '../../../src/emulator/eventhubs/config.js';
import { EventHubsNamespace } from '../../../src/emulator/eventhubs/namespace.js';
import { apiVersions } from '../../../src/emulator/eventhubs/kafka/api-meta.js';
import { fetch } from '../../../src/emulator/eventhubs/kafka/api-fetch.js';
import { recordToEvent } from '../../../src/emulator/eventhubs/kafka/amqp-mapping.js';
import { KafkaWriter } from '../../../src/emulator/eventhubs/kafka/codec.js';
import { serveKafka } from '../../../src/emulator/eventhubs/kafka/connection.js';
import type { KafkaContext, KafkaLimits } from '../../../src/emulator/eventhubs/kafka/context.js';
import type { KafkaHandler } from '../../../src/emulator/eventhubs/kafka/request.js';
import { UnsentResponses } from '../../../src/emulator/eventhubs/kafka/unsent-responses.js';

// Kafka clients that ask and never read: what the emulator holds for them must stay bounded, per
// connection and across connections (a broker sends from the page cache; the emulator from a
// fresh buffer per answer).

const namespace = new EventHubsNamespace(resolveNamespace({ hubs: [{ name: 'h', partitionCount: 1 }] }));
afterAll(() => namespace.close());

/** A peer that never reads: the first write is never taken, the rest queue behind it. */
class NeverReads extends Duplex {
  private inFlight: ((error?: Error) => void) | undefined;
  override _read(): void {}
  override _write(_chunk: Buffer, _encoding: string, written: (error?: Error) => void): void {
    this.inFlight = written;
  }
  // As a socket does: a destroyed stream fails the write it had in hand.
  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.inFlight?.(new Error('destroyed'));
    done(error);
  }
}

function contextWith(limits: Partial<KafkaLimits>): KafkaContext {
  const all: KafkaLimits = {
    maxRequestBytes: 1 << 20,
    maxBatchBytes: 1 << 20,
    maxFetchWaitMs: 1000,
    maxFetchBytes: 55 << 20,
    maxPendingResponseBytes: 1 << 20,
    maxUnsentResponseBytes: 256 << 20,
    connectionsMaxIdleMs: 60_000,
    maxCommittedOffsets: 100,
    maxOffsetMetadataChars: 100,
    ...limits,
  };
  return { namespace, auth: { rules: [], acceptAnyToken: true }, limits: all, unsent: new UnsentResponses(all.maxUnsentResponseBytes) } as unknown as KafkaContext;
}

const handlers = new Map<number, KafkaHandler>([
  [1, fetch],
  [18, apiVersions],
]);

function frame(apiKey: number, version: number, body: (w: KafkaWriter) => void): Buffer {
  const writer = new KafkaWriter().int32(0).int16(apiKey).int16(version).int32(1).nullableString('red', false);
  body(writer);
  const bytes = Buffer.from(writer.finish());
  bytes.writeInt32BE(bytes.length - 4, 0);
  return bytes;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

test('a connection that pipelines without reading gets at most 17 answers written before it waits', async () => {
  // 20 clients pipelining ApiVersions without reading took the process to 1.4 GB: 64 MiB of
  // 100-byte answers per connection, each write costing several times its bytes.
  const stream = new NeverReads();
  serveKafka(stream, contextWith({}), handlers, '/test', undefined, () => undefined);
  const one = frame(18, 0, () => undefined);
  stream.push(Buffer.concat(Array.from({ length: 200 }, () => one)));
  await settle();
  const answered = stream.writableLength;
  expect(answered).toBeGreaterThan(0);
  stream.push(one);
  await settle();
  expect(stream.writableLength).toBe(answered);
  // ApiVersions v0 answers all have one size: 16 unsent and the one that went over.
  const answerSize = answered / 17;
  expect(Number.isInteger(answerSize)).toBe(true);
  stream.destroy();
});

test('stalled Fetch answers are bounded across connections; past the bound a Fetch carries no records', async () => {
  // 20 connections that each fetched a 55 MB partition and never read held 1.2 GB.
  const partition = namespace.hub('h')!.partitions[0]!;
  partition.append(Array.from({ length: 3 }, () => recordToEvent({ key: null, value: Buffer.alloc(600_000, 1), headers: [], timestamp: 0 })));
  const context = contextWith({ maxUnsentResponseBytes: 1 << 20 });
  const fetchAll = frame(1, 4, (w) =>
    w.int32(-1).int32(0).int32(0).int32(55 << 20).int8(0).array([0], false, (t) => t.string('h', false).array([0], false, (p) => p.int32(0).int64(0).int32(55 << 20))),
  );
  const streams = Array.from({ length: 4 }, () => new NeverReads());
  for (const stream of streams) {
    serveKafka(stream, context, handlers, '/test', undefined, () => undefined);
    stream.push(fetchAll);
    await settle();
  }
  const held = streams.reduce((sum, stream) => sum + stream.writableLength, 0);
  // Without the shared bound each got all three events: 4 × 1.8 MB.
  expect(held).toBeLessThan((1 << 20) + 700_000);
  expect(streams.at(-1)!.writableLength).toBeLessThan(1000);
  for (const stream of streams) stream.destroy();
  await settle();
  expect(context.unsent.room()).toBe(1 << 20);
});

test('a connection that waits that long for its client to read is closed as idle (it held its answers for ever)', async () => {
  const stream = new NeverReads();
  serveKafka(stream, contextWith({ connectionsMaxIdleMs: 200 }), handlers, '/test', undefined, () => undefined);
  const one = frame(18, 0, () => undefined);
  stream.push(Buffer.concat(Array.from({ length: 100 }, () => one)));
  await vi.waitFor(() => expect(stream.destroyed).toBe(true), { timeout: 3000 });
});
