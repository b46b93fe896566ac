// Scratch probe: the emulator in a child (with extra node flags from EH_PROBE_FLAGS), a bare rhea
// batch sender here; prints events/s and the emulator's CPU per batch. EH_PROBE_DATA_DIR=1 (and
// EH_PROBE_FSYNC=always|batch|never) for the file log, EH_PROBE_PROFILE=<dir> with --cpu-prof flags.
import { rmSync } from 'node:fs';
import { buildSources, removeBuild } from './lib/build.mjs';
import { startChild } from './lib/child.mjs';
import { batchSender, connect, keyOf } from './lib/amqp.mjs';

const dir = await buildSources();
const flags = process.env.EH_PROBE_FLAGS?.split(' ').filter(Boolean) ?? [];
const emulator = await startChild('eh-emulator', { dataDir: process.env.EH_PROBE_DATA_DIR === '1', ...(process.env.EH_PROBE_FSYNC ? { fsync: process.env.EH_PROBE_FSYNC } : {}) }, { execArgv: flags });
const connection = await connect(emulator.info.port, { password: keyOf(emulator.info.connectionString) });
const sender = await batchSender(connection, 'bench', { window: 4 });
await sender.round(500);
for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
  const before = await emulator.call('cpu');
  const rate = await sender.round(Number(process.env.MS ?? 2000));
  const after = await emulator.call('cpu');
  const cpu = after.user + after.system - before.user - before.system;
  const batches = (rate * Number(process.env.MS ?? 2000)) / 1000 / 1000;
  console.log(`rate ${Math.round(rate).toLocaleString('en-US')} events/s; emulator CPU ${(cpu / batches).toFixed(0)} µs per 1000-event batch (user ${((after.user - before.user) / batches).toFixed(0)}, system ${((after.system - before.system) / batches).toFixed(0)})`);
}
connection.close();
await emulator.stop();
if (emulator.info.dataDir) rmSync(emulator.info.dataDir, { recursive: true, force: true });
if (process.env.EH_PROBE_PROFILE) {
  const { topSelfTime } = await import('./lib/cpu-top.mjs');
  for (const { key, ms, share } of topSelfTime(process.env.EH_PROBE_PROFILE, 25)) console.log(`${(share * 100).toFixed(1).padStart(5)}% ${ms.toFixed(0).padStart(6)} ms  ${key}`);
}
removeBuild(dir);
process.exit();
