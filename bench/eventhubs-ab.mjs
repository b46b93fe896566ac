#!/usr/bin/env node
// Before/after for the Event Hubs rows: the emulator as of a git revision ("before") and as the
// working tree has it ("after"), each in its own child process, next to the row's limit, in
// alternating rounds (before, after, limit, before, …); medians and per-round spread.
//   node bench/eventhubs-ab.mjs <rev> [ingest|receive|data-dir ...] [--rounds N] [--ms N]
// Each tree is bundled with esbuild on its own (dependencies from this node_modules).
import { rmSync } from 'node:fs';
import { batchSender, connect, keyOf, receiveRound } from './lib/amqp.mjs';
import { buildRevision, buildSources, removeBuild } from './lib/build.mjs';
import { startChild } from './lib/child.mjs';
import { load, machine } from './lib/machine.mjs';
import { median } from './lib/stats.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(name);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const rev = args[0];
if (!rev || rev.startsWith('--')) {
  console.error('usage: node bench/eventhubs-ab.mjs <rev> [ingest|receive|data-dir ...] [--rounds N] [--ms N]');
  process.exit(2);
}
const rows = args.slice(1).filter((arg, index, all) => !arg.startsWith('--') && !all[index - 1]?.startsWith('--'));
const ROUNDS = option('--rounds', 7);
const MS = option('--ms', 1000);

async function startEmulator(build, options = {}) {
  process.env.BENCH_BUILD = build;
  return startChild('eh-emulator', options);
}

async function alternate(contestants) {
  const samples = Object.fromEntries(Object.keys(contestants).map((key) => [key, []]));
  for (const run of Object.values(contestants)) await run(); // warm-up
  for (let round = 0; round < ROUNDS; round++) for (const [key, run] of Object.entries(contestants)) samples[key].push(await run());
  return samples;
}

function report(title, samples, against) {
  console.log(`\n${title}`);
  for (const [key, values] of Object.entries(samples)) {
    const ratio = against && key !== against ? `  ${(median(values) / median(samples[against])).toFixed(2)}× ${against} (per round ${values.map((value, i) => (value / samples[against][i]).toFixed(2)).join(' ')})` : '';
    console.log(`  ${key.padEnd(8)} ${Math.round(median(values)).toLocaleString('en-US').padStart(11)} /s  [${values.map((value) => Math.round(value / 1000) + 'k').join(' ')}]${ratio}`);
  }
}

// EH_AB_REPO: take <rev> from another checkout (e.g. when this script runs from a copy of the tree).
const builds = { before: await buildRevision(rev, process.env.EH_AB_REPO), after: await buildSources({ name: 'after' }) };
process.once('exit', () => Object.values(builds).forEach(removeBuild));
console.log(`Event Hubs before (${rev}) / after (working tree) on ${machine().cpu}, ${machine().cores} cores, Node ${process.version}; load ${load().join(', ')}; ${ROUNDS} rounds of ${MS} ms`);

const children = [];
/** Each section's emulators go before the next starts: they hold every event sent to them. */
async function stopAll() {
  for (const child of children.splice(0)) {
    await child.stop().catch(() => undefined);
    if (child.info.dataDir) rmSync(child.info.dataDir, { recursive: true, force: true });
  }
}
try {
  if (!rows.length || rows.includes('ingest')) {
    const sink = await startChild('rhea-sink');
    const emulators = { before: await startEmulator(builds.before), after: await startEmulator(builds.after) };
    children.push(sink, ...Object.values(emulators));
    const senders = {};
    for (const [key, emulator] of Object.entries(emulators)) senders[key] = await batchSender(await connect(emulator.info.port, { password: keyOf(emulator.info.connectionString) }), 'bench');
    senders.limit = await batchSender(await connect(sink.info.port), 'bench');
    report('ingest, bare rhea sender, batches of 1,000 × 100 B, events/s', await alternate(Object.fromEntries(Object.entries(senders).map(([key, sender]) => [key, () => sender.round(MS)]))), 'limit');
    await stopAll();
  }
  if (!rows.length || rows.includes('receive')) {
    const source = await startChild('rhea-source');
    children.push(source);
    const perPartition = 80_000;
    const emulators = {};
    for (const key of ['before', 'after']) {
      const emulator = await startEmulator(builds[key]);
      children.push(emulator);
      const connection = await connect(emulator.info.port, { password: keyOf(emulator.info.connectionString) });
      for (const partition of [0, 1, 2, 3]) {
        const sender = await batchSender(connection, `bench/Partitions/${partition}`);
        let sent = 0;
        while (sent < perPartition) sent += Math.round((await sender.round(100)) / 10);
      }
      connection.close();
      emulators[key] = emulator;
    }
    const addresses = [0, 1, 2, 3].map((partition) => `bench/ConsumerGroups/$Default/Partitions/${partition}`);
    const contestants = Object.fromEntries(
      Object.entries(emulators).map(([key, emulator]) => [key, () => receiveRound(emulator.info.port, keyOf(emulator.info.connectionString), addresses, MS, { available: perPartition * 4 })]),
    );
    contestants.limit = () => receiveRound(source.info.port, undefined, addresses, MS);
    report('receive, bare rhea receivers on 4 partitions (credit 1,000), events/s', await alternate(contestants), 'limit');
    await stopAll();
  }
  if (!rows.length || rows.includes('data-dir')) {
    const pairs = {};
    // The working tree also with --fsync never: what the disk's syncs cost, apart from writing records.
    const setups = [['before-disk', 'before', { dataDir: true }], ['before-mem', 'before', {}], ['after-disk', 'after', { dataDir: true }], ['after-never', 'after', { dataDir: true, fsync: 'never' }], ['after-mem', 'after', {}]];
    for (const [name, key, options] of setups) {
      const emulator = await startEmulator(builds[key], options);
      children.push(emulator);
      pairs[name] = await batchSender(await connect(emulator.info.port, { password: keyOf(emulator.info.connectionString) }), 'bench');
    }
    const samples = await alternate(Object.fromEntries(Object.entries(pairs).map(([key, sender]) => [key, () => sender.round(MS)])));
    report('ingest with --data-dir (default fsync policy; after-never: --fsync never) and in memory, events/s', samples);
    const never = samples['after-never'].map((value, i) => value / samples['after-mem'][i]);
    console.log(`  after, --fsync never: data-dir / memory ${(median(samples['after-never']) / median(samples['after-mem'])).toFixed(2)}× (per round ${never.map((r) => r.toFixed(2)).join(' ')})`);
    for (const key of ['before', 'after']) {
      const ratios = samples[`${key}-disk`].map((value, i) => value / samples[`${key}-mem`][i]);
      console.log(`  ${key}: data-dir / memory ${(median(samples[`${key}-disk`]) / median(samples[`${key}-mem`])).toFixed(2)}× (per round ${ratios.map((r) => r.toFixed(2)).join(' ')})`);
    }
  }
} finally {
  await stopAll();
}
console.log(`\nload ${load().join(', ')}`);
process.exit();
