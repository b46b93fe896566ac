#!/usr/bin/env node
// Runs the Event Hubs rows (bench/rows/eh-*.mjs) and prints their numbers without writing
// bench/RESULTS.md or results.json: for trying changes to the emulator's log and delivery path.
//   node bench/eventhubs-dev.mjs [eh-ingest,eh-receive,eh-data-dir] [--quick|--full] [--profile]
// --profile runs the emulator under --cpu-prof and prints its top self time per row.
import { buildSources, removeBuild } from './lib/build.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllChildren, profiling } from './lib/child.mjs';
import { topSelfTime } from './lib/cpu-top.mjs';
import { dataDir } from './rows/eh-data-dir.mjs';
import { ingest } from './rows/eh-ingest.mjs';
import { receive } from './rows/eh-receive.mjs';

const args = process.argv.slice(2);
const rows = [ingest, receive, dataDir];
const only = args.find((arg) => !arg.startsWith('--'))?.split(',');
const mode = args.includes('--full') ? 'full' : args.includes('--smoke') ? 'smoke' : 'quick';
const scale = { full: { rounds: 5, time: 1 }, quick: { rounds: 3, time: 0.4 }, smoke: { rounds: 1, time: 0.1 } }[mode];
const budget = { full: 55_000, quick: 25_000, smoke: 8_000 }[mode];
const dir = await buildSources();
try {
  for (const row of rows.filter((r) => !only || only.includes(r.id))) {
    const start = performance.now();
    const ctx = { mode, rounds: scale.rounds, warmup: mode !== 'smoke', roundMs: (ms) => Math.max(100, Math.round(ms * scale.time)), deadline: start + budget, notes: [] };
    const profileDir = args.includes('--profile') ? mkdtempSync(join(tmpdir(), 'eh-prof-')) : undefined;
    if (profileDir) Object.assign(profiling, { dir: profileDir, roles: new Set(process.env.PROFILE_ROLES?.split(',') ?? row.profileRoles) });
    try {
      for (const c of await row.run(ctx)) {
        const parts = Object.entries(c.contestants).map(([key, x]) => `${key} ${Math.round(x.median).toLocaleString('en-US')} [${x.samples.map((s) => Math.round(s / 1000) + 'k').join(' ')}]`);
        console.log(`${row.id} ${c.label}: ${parts.join('  ')}  ratio ${c.ratio?.value.toFixed(2)} (${c.ratio?.min?.toFixed(2)}–${c.ratio?.max?.toFixed(2)})`);
      }
    } catch (error) {
      console.log(`${row.id}: FAILED ${error.stack}`);
      killAllChildren();
    }
    if (profileDir) {
      for (const { key, ms, share } of topSelfTime(profileDir, Number(process.env.TOP ?? 15))) console.log(`    ${(share * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(6)} ms  ${key}`);
      rmSync(profileDir, { recursive: true, force: true });
    }
    console.log(`  (${Math.round((performance.now() - start) / 1000)} s)`);
  }
} finally {
  removeBuild(dir);
}
process.exit();
