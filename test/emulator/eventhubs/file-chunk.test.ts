import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { batchOf } from '../../../src/emulator/eventhubs/log/events.js';
import { FilePartitionLog } from '../../../src/emulator/eventhubs/log/file-log.js';

// With --data-dir the log holds no event bytes: chunks read their records back from the segment
// file (log/file-chunk.ts), keeping what they read in a cache bounded by bytes.

const directories: string[] = [];
afterAll(() => directories.forEach((directory) => rmSync(directory, { recursive: true, force: true })));

function scratch(): string {
  const directory = mkdtempSync(join(tmpdir(), 'eh-file-chunk-'));
  directories.push(directory);
  return directory;
}

const text = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

/** Overwrites every occurrence of `from` in the partition's segment with `to` (same length), behind the log's back. */
function rewriteOnDisk(directory: string, from: string, to: string): void {
  const path = join(directory, readdirSync(directory).find((name) => name.endsWith('.log'))!);
  const data = readFileSync(path);
  const fd = openSync(path, 'r+');
  for (let at = data.indexOf(from); at >= 0; at = data.indexOf(from, at + 1)) writeSync(fd, Buffer.from(to), 0, to.length, at);
  closeSync(fd);
}

test('events are served from the segment file, not from a copy in memory', () => {
  const directory = scratch();
  const log = new FilePartitionLog(directory, 0, { fsync: 'never' });
  const transfer = new TextEncoder().encode('original');
  log.appendBatch(batchOf([{ message: transfer }]), 1); // as a producer's transfer is appended
  transfer.fill(0); // the producer's buffer is not what the log serves
  rewriteOnDisk(directory, 'original', 'on-disk!');
  expect(text(log.get(0)?.message)).toBe('on-disk!');
  log.close();
});

test('read-back bytes are cached up to readCacheBytes; past it the oldest are read from the file again', () => {
  const directory = scratch();
  const log = new FilePartitionLog(directory, 0, { fsync: 'never', readCacheBytes: 32 });
  const append = (body: string) => log.appendBatch(batchOf([{ message: new TextEncoder().encode(body) }]), 1);
  append('first-00');
  for (let n = 1; n <= 5; n++) append(`other-0${n}`);
  expect(text(log.get(0)?.message)).toBe('first-00'); // read once: cached now
  rewriteOnDisk(directory, 'first-00', 'FIRST-00');
  expect(text(log.get(0)?.message)).toBe('first-00'); // from the cache
  // Each append's payload is 8 bytes: reading four more pushes the first out of a 32-byte cache.
  for (let n = 1; n <= 4; n++) expect(text(log.get(n)?.message)).toBe(`other-0${n}`);
  expect(text(log.get(0)?.message)).toBe('FIRST-00');
  log.close();
});
