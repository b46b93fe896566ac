// Scratch probe for bench/profiles/eh-data-dir.md: what one 115 KB write (a 1,000 × 100 B batch
// record) costs the writing thread: appending to a file, the same with an fdatasync every 100
// writes (as --fsync interval drives), overwriting cached dirty pages, rewriting one region.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const directory = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'eh-page-cache-'));
const record = Buffer.alloc(115_000, 7);
const WRITES = 3000;

function measure(name, fd, write) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < WRITES; i++) write(fd, i);
  console.log(`${name.padEnd(40)} ${(Number(process.hrtime.bigint() - start) / 1000 / WRITES).toFixed(1)} µs per write`);
}

try {
  const append = openSync(join(directory, 'append'), 'w+');
  measure('append', append, (fd) => writeSync(fd, record));
  measure('overwrite the appended (dirty, cached)', append, (fd, i) => writeSync(fd, record, 0, record.length, i * record.length));
  closeSync(append);
  const synced = openSync(join(directory, 'synced'), 'w+');
  measure('append, fdatasync every 100', synced, (fd, i) => {
    writeSync(fd, record);
    if (i % 100 === 99) fdatasyncSync(fd);
  });
  closeSync(synced);
  const region = openSync(join(directory, 'region'), 'w+');
  measure('rewrite one region', region, (fd) => writeSync(fd, record, 0, record.length, 0));
  closeSync(region);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
