// Row: Event Hubs emulator ingest with --data-dir against the memory log.
import { rmSync } from 'node:fs';
import { batchSender, connect, keyOf } from '../lib/amqp.mjs';
import { startChild } from '../lib/child.mjs';
import { cpuShares } from '../lib/cpu-share.mjs';
import { alternate, finishCase } from '../lib/rounds.mjs';

const WINDOW = 4;

export const dataDir = {
  id: 'eh-data-dir',
  title: 'Event Hubs --data-dir vs memory log, ingest',
  goal: '≥ 0.9× with the fsync policy’s default',
  profileRoles: ['eh-emulator'],
  async run(ctx) {
    const memory = await startChild('eh-emulator', {}, { label: 'eh-emulator (memory log, idle when profiled)' });
    const disk = await startChild('eh-emulator', { dataDir: true }, { label: 'eh-emulator (--data-dir)' });
    const connections = [];
    try {
      const key = keyOf(memory.info.connectionString);
      const toDisk = await connect(disk.info.port, { password: key });
      const toMemory = await connect(memory.info.port, { password: key });
      connections.push(toDisk, toMemory);
      const ours = await batchSender(toDisk, 'bench', { window: WINDOW });
      const base = await batchSender(toMemory, 'bench', { window: WINDOW });
      const ms = ctx.roundMs(1000);
      const cpu = cpuShares();
      const measured = await alternate(
        {
          ours: { name: 'our emulator with --data-dir (default fsync policy)', run: cpu.wrap('data-dir', { emulator: disk }, () => ours.round(ms)) },
          limit: { name: 'our emulator, memory log', run: cpu.wrap('memory', { emulator: memory }, () => base.round(ms)) },
        },
        { rounds: ctx.rounds, warmup: ctx.warmup, deadline: ctx.deadline },
      );
      ctx.notes.push(`The eh-ingest sender against two emulators, one with a fresh --data-dir in ${process.env.TMPDIR ?? '/tmp'} and the default fsync policy, one in memory; a batch counts once accepted (with --data-dir, once durable under the policy). ${ms} ms rounds. Share of a core over a round (median): ${cpu.describe()}.`);
      return [finishCase({ id: 'ratio', label: 'ingest, data-dir vs memory', unit: 'events/s', better: 'higher', ratio: { against: 'limit' }, goal: { op: '>=', value: 0.9, text: '≥ 0.9× memory' } }, measured)];
    } finally {
      for (const connection of connections) connection.close();
      await disk.stop();
      rmSync(disk.info.dataDir, { recursive: true, force: true });
      await memory.stop();
    }
  },
};
