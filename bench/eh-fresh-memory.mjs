#!/usr/bin/env node
// What keeping bytes costs before anything else: copying a 115 KB batch into memory the process
// has never touched (new 8 MB blocks, as a growing log needs) against copying it into memory it
// reuses. The difference is the kernel mapping and zeroing fresh pages (bench/profiles/eh-ingest.md).
const batch = Buffer.alloc(115_000, 7);
const COPIES = 20_000;
for (let round = 0; round < 3; round++) {
  const kept = [];
  let block = new Uint8Array(0);
  let used = 0;
  let start = process.hrtime.bigint();
  for (let i = 0; i < COPIES; i++) {
    if (used + batch.length > block.length) {
      block = new Uint8Array(8 << 20);
      kept.push(block);
      used = 0;
    }
    block.set(batch, used);
    used += batch.length;
  }
  const fresh = Number(process.hrtime.bigint() - start) / COPIES / 1000;
  const reused = new Uint8Array(8 << 20);
  used = 0;
  start = process.hrtime.bigint();
  for (let i = 0; i < COPIES; i++) {
    if (used + batch.length > reused.length) used = 0;
    reused.set(batch, used);
    used += batch.length;
  }
  const warm = Number(process.hrtime.bigint() - start) / COPIES / 1000;
  console.log(`copy 115 KB into fresh memory ${fresh.toFixed(1)} µs, into reused memory ${warm.toFixed(1)} µs (${kept.length} blocks kept)`);
}
