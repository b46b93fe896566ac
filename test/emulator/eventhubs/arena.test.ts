import { expect, test } from 'vitest';
import { ByteArena, INDEX_UNCOUNTED_LIMIT, indexEntries, uncountedIndexBytes } from '../../../src/emulator/eventhubs/log/arena.js';

// Arena blocks are SharedArrayBuffers, whose bytes V8 does not count as external memory
// (src/emulator/eventhubs/log/arena.ts); what is alive of them is bounded, past which blocks are
// ordinary ArrayBuffers again so that V8 sees the memory and collects.

test('blocks are uncounted SharedArrayBuffers up to the limit, then ordinary ArrayBuffers', () => {
  const arena = new ByteArena(1024 * 1024);
  const batch = new Uint8Array(100 * 1024).fill(7);
  // Kept, as a log keeps them, so no block can be collected while the test runs.
  const kept: Array<{ block: Uint8Array; at: number }> = [];
  const kinds: string[] = [];
  let uncounted = 0;
  for (let i = 0; i < 40; i++) {
    const placed = arena.copy(batch);
    if (placed.block.buffer !== kept.at(-1)?.block.buffer) {
      const shared = placed.block.buffer instanceof SharedArrayBuffer;
      kinds.push(shared ? 'shared' : 'counted');
      if (shared) uncounted += placed.block.byteLength;
    }
    kept.push(placed);
    expect(Buffer.from(placed.block.buffer, placed.block.byteOffset + placed.at, batch.length).equals(batch)).toBe(true);
  }
  // Growing blocks (100 KB, 128 KB … 512 KB) are shared while they fit under 1 MB, then counted.
  const firstCounted = kinds.indexOf('counted');
  expect(firstCounted).toBeGreaterThan(1);
  expect(kinds.slice(0, firstCounted).every((kind) => kind === 'shared')).toBe(true);
  expect(kinds.slice(firstCounted).every((kind) => kind === 'counted')).toBe(true);
  expect(uncounted).toBeLessThanOrEqual(1024 * 1024);
  expect(arena.uncountedBytes).toBe(uncounted);
});

test('event index entries live in uncounted SharedArrayBuffer blocks', () => {
  // A chunk keeps its index as long as its bytes: as ArrayBuffers, index blocks alone counted
  // ~8 KB a 1,000-event batch towards V8's old-generation limit (bench/profiles/eh-ingest.md).
  const placed = indexEntries(2001);
  expect(placed.block.buffer).toBeInstanceOf(SharedArrayBuffer);
  expect(Array.from(placed.block.subarray(placed.at, placed.at + 2001)).every((entry) => entry === 0)).toBe(true);
  expect(uncountedIndexBytes()).toBeGreaterThan(0);
  expect(uncountedIndexBytes()).toBeLessThanOrEqual(INDEX_UNCOUNTED_LIMIT);
});

test('a busy arena takes blocks whose pages a worker touched first, and every copy stays intact', async () => {
  // src/emulator/eventhubs/log/prefault.ts: the worker only writes zeros into a block the arena
  // does not use until the worker is done with it.
  const arena = new ByteArena();
  const kept: Array<{ placed: { block: Uint8Array; at: number }; fill: number }> = [];
  const batch = new Uint8Array(1024 * 1024);
  const deadline = Date.now() + 10_000;
  for (let round = 0; arena.preparedBlocksUsed < 2 && Date.now() < deadline; round++) {
    batch.fill(round % 251);
    kept.push({ placed: arena.copy(batch), fill: round % 251 });
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  expect(arena.preparedBlocksUsed).toBeGreaterThanOrEqual(2);
  for (const { placed, fill } of kept) {
    const copy = placed.block.subarray(placed.at, placed.at + batch.length);
    expect(copy[0] === fill && copy[batch.length - 1] === fill && copy.every((byte) => byte === fill)).toBe(true);
  }
});
