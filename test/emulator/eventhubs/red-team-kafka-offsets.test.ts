import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { OFFSETS_FILE, OffsetStore } from '../../../src/emulator/eventhubs/kafka/offset-store.js';

// Committed Kafka offsets are bounded in entries and in metadata: the store took maxGroups ×
// every partition of every hub × 4 KB of metadata, and with a data directory every commit
// rewrote all of it (2,000 groups' worth made each commit hold the event loop for 150 ms).

const dir = mkdtempSync(join(tmpdir(), 'red-team-offsets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = (partition: number, metadata: string | null = null) => ({ topic: 'eh1', partition, committed: { offset: 5, leaderEpoch: -1, metadata } });

test('past maxEntries a new entry is refused as full; an entry already stored may still move', () => {
  const store = new OffsetStore(undefined, { maxEntries: 3, maxMetadataChars: 1000 });
  expect(store.commit('a', [at(0), at(1)])).toEqual([undefined, undefined]);
  expect(store.commit('b', [at(0), at(1)])).toEqual([undefined, 'full']);
  expect(store.get('b', 'eh1', 1)).toBeUndefined();
  expect(store.commit('a', [{ ...at(1), committed: { offset: 9, leaderEpoch: -1, metadata: null } }])).toEqual([undefined]);
  expect(store.get('a', 'eh1', 1)?.offset).toBe(9);
  expect(store.has('c')).toBe(false);
  expect(store.commit('c', [at(0)])).toEqual(['full']);
  expect(store.has('c')).toBe(false);
});

test('metadata is bounded over all entries; replacing an entry gives its metadata back', () => {
  const store = new OffsetStore(undefined, { maxEntries: 100, maxMetadataChars: 10 });
  expect(store.commit('a', [at(0, 'x'.repeat(8)), at(1, 'y'.repeat(4))])).toEqual([undefined, 'metadata']);
  expect(store.commit('a', [at(0, ''), at(1, 'y'.repeat(4))])).toEqual([undefined, undefined]);
});

test('what is on disk loads whole, even past the limits, and counts against them', () => {
  const big = new OffsetStore(dir, { maxEntries: 10, maxMetadataChars: 100 });
  big.commit('a', [at(0), at(1), at(2)]);
  expect(JSON.parse(readFileSync(join(dir, OFFSETS_FILE), 'utf8')).a.eh1['2'].offset).toBe(5);
  const small = new OffsetStore(dir, { maxEntries: 2, maxMetadataChars: 100 });
  expect(small.get('a', 'eh1', 2)?.offset).toBe(5);
  expect(small.commit('b', [at(0)])).toEqual(['full']);
});

test('on the wire an OffsetCommit past the bound gets GROUP_MAX_SIZE_REACHED for the partitions that did not fit', async () => {
  const { startEventHubsEmulator } = await import('../../../src/emulator/eventhubs/index.js');
  const { RawClient } = await import('./kafka-raw-client.js');
  const emulator = await startEventHubsEmulator({ kafkaPort: 0, kafkaLimits: { maxCommittedOffsets: 1 } });
  try {
    const client = await RawClient.open(Number(emulator.info().kafka!.bootstrapServers.split(':').at(-1)));
    expect(await client.login('$ConnectionString', emulator.connectionString)).toBe(0);
    // OffsetCommit v2: group, generation -1 and no member (a standalone commit), retention, topics.
    client.send(8, 2, (w) => w.string('g', false).int32(-1).string('', false).int64(-1).array(['eh1'], false, (t, name) => t.string(name, false).array([0, 1], false, (p, index) => p.int32(index).int64(5).nullableString(null, false))));
    const answer = (await client.response())!;
    answer.int32();
    const errors = answer.array(false, (t) => {
      t.string(false);
      return t.array(false, (p) => [p.int32(), p.int16()]);
    });
    expect(errors).toEqual([[[0, 0], [1, 81]]]);
    client.close();
  } finally {
    await emulator.close();
  }
});
