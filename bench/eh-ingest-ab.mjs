#!/usr/bin/env node
// eh-ingest before/after with the steadier measures: the emulator as of a git revision ("before")
// and as the working tree has it ("after"), each in its own child, fed by a bare rhea batch sender
// (1,000 × 100 B, 4 unsettled) in alternating rounds; per contestant: events/s, the emulator's CPU
// per batch (all threads and main thread) and garbage collections per 1,000 batches.
//   node bench/eh-ingest-ab.mjs <rev> [--rounds N] [--ms N] [--keeping]
// --keeping also runs the keeping receiver (roles/rhea-keeping-sink.mjs) and the limit (rhea-sink).
import { fileURLToPath } from 'node:url';
import { batchSender, connect, keyOf } from './lib/amqp.mjs';
import { buildRevision, buildSources, removeBuild } from './lib/build.mjs';
import { startChild } from './lib/child.mjs';
import { load } from './lib/machine.mjs';
import { median } from './lib/stats.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const rev = args[0];
const ROUNDS = option('--rounds', 5);
const MS = option('--ms', 1000);
const PRELOAD = fileURLToPath(new URL('./lib/gc-counts-preload.mjs', import.meta.url));

const builds = {};
if (rev && !rev.startsWith('--')) builds.before = await buildRevision(rev);
builds.after = await buildSources({ name: 'after' });
process.once('exit', () => Object.values(builds).forEach(removeBuild));
const flags = process.env.EH_AB_FLAGS?.split(' ').filter(Boolean) ?? [];

const children = [];
const contestants = {};
for (const [key, build] of Object.entries(builds)) {
  process.env.BENCH_BUILD = build;
  const child = await startChild('eh-emulator', {}, { execArgv: ['--import', PRELOAD, ...flags] });
  children.push(child);
  const sender = await batchSender(await connect(child.info.port, { password: keyOf(child.info.connectionString) }), 'bench');
  contestants[key] = { child, sender };
}
if (args.includes('--keeping')) {
  for (const role of ['rhea-keeping-sink', 'rhea-sink']) {
    const child = await startChild(role, {}, { execArgv: ['--import', PRELOAD] });
    children.push(child);
    contestants[role === 'rhea-sink' ? 'limit' : 'keeping'] = { child, sender: await batchSender(await connect(child.info.port), 'bench') };
  }
}
const samples = Object.fromEntries(Object.keys(contestants).map((key) => [key, []]));
async function round(key) {
  const { child, sender } = contestants[key];
  const before = await child.call('cpu');
  const rate = await sender.round(MS);
  const after = await child.call('cpu');
  const batches = (rate * MS) / 1000 / 1000;
  const per = (field, scale = 1) => ((after[field] - before[field]) * scale) / batches;
  return {
    rate,
    cpu: per('user') + per('system'),
    main: per('mainUser') + per('mainSystem'),
    major: per('major', 1000),
    minor: per('minor', 1000),
    gcMs: per('gcMs', 1000),
  };
}
console.log(`load ${load().join(', ')}; ${ROUNDS} rounds of ${MS} ms`);
for (const key of Object.keys(contestants)) await round(key); // warm-up
for (let r = 0; r < ROUNDS; r++) for (const key of Object.keys(contestants)) samples[key].push(await round(key));
const fmt = (values, digits = 0) => `${median(values).toFixed(digits)} [${values.map((v) => v.toFixed(digits)).join(' ')}]`;
for (const [key, rows] of Object.entries(samples)) {
  console.log(`${key.padEnd(8)} ${fmt(rows.map((r) => r.rate / 1e6), 2)} M/s; CPU µs/batch all ${fmt(rows.map((r) => r.cpu))} main ${fmt(rows.map((r) => r.main))}; per 1,000 batches: mark-compacts ${fmt(rows.map((r) => r.major), 1)} scavenges ${fmt(rows.map((r) => r.minor), 1)} gc ms ${fmt(rows.map((r) => r.gcMs), 0)}`);
}
for (const key of Object.keys(samples)) {
  if (key === 'after') continue;
  const ratios = samples.after.map((r, i) => r.rate / samples[key][i].rate);
  console.log(`after / ${key}: ${median(ratios).toFixed(2)} [${ratios.map((x) => x.toFixed(2)).join(' ')}]`);
}
console.log(`load ${load().join(', ')}`);
for (const child of children) await child.stop().catch(() => undefined);
process.exit();
