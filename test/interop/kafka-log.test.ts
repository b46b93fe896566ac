import { readdir, readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type EachMessagePayload } from 'kafkajs';
import { afterAll, expect, test } from 'vitest';
import { startKafkaEmulator, waitFor, type KafkaTarget } from './kafka-helpers.js';

// The Kafka endpoint on the on-disk log: numbering gaps left by a damaged record (dropped on load,
// log/file-log.ts) are stepped over instead of stalling the consumer.

const directories: string[] = [];
afterAll(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

const client = (t: KafkaTarget) =>
  new Kafka({ clientId: 'log', brokers: [t.bootstrapServers], sasl: { mechanism: 'plain', username: t.username, password: t.password }, logLevel: logLevel.NOTHING });

test('a consumer steps over an offset whose record was damaged on disk', { timeout: 30_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'eh-kafka-gap-'));
  directories.push(dataDir);
  const first = await startKafkaEmulator({ dataDir });
  const producer = client(first).producer();
  await producer.connect();
  for (const value of ['a'.repeat(300), 'b'.repeat(300), 'c'.repeat(300)]) await producer.send({ topic: 'audit', messages: [{ partition: 0, value }] });
  await producer.disconnect();
  await first.emulator.close();

  // Flip a byte inside the middle record's body.
  const directory = join(dataDir, 'audit', '0');
  const [segment] = (await readdir(directory)).filter((name) => name.endsWith('.log'));
  const bytes = await readFile(join(directory, segment!));
  const middle = bytes.indexOf(Buffer.from('b'.repeat(50)));
  bytes[middle + 10] ^= 0xff;
  await writeFile(join(directory, segment!), bytes);

  const second = await startKafkaEmulator({ dataDir });
  try {
    const consumer = client(second).consumer({ groupId: 'gap', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'audit', fromBeginning: true });
    const seen: EachMessagePayload[] = [];
    await consumer.run({ eachMessage: async (payload) => void seen.push(payload) });
    await waitFor(() => (seen.length >= 2 ? true : undefined), 'the two intact records');
    await consumer.disconnect();
    expect(seen.map((s) => [s.message.offset, s.message.value!.toString()[0]])).toEqual([
      ['0', 'a'],
      ['2', 'c'],
    ]);
  } finally {
    await second.emulator.close();
  }
});
