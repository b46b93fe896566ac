// Row: Event Hubs emulator ingest with --data-dir against the memory log (and, as evidence, with --fsync batch).
import { rmSync } from 'node:fs';
import { batchSender, connect, keyOf } from '../lib/amqp.mjs';
import { startChild } from '../lib/child.mjs';
import { cpuShares } from '../lib/cpu-share.mjs';
import { alternate, finishCase, roundOptions } from '../lib/rounds.mjs';

const WINDOW = 4;

export const dataDir = {
  id: 'eh-data-dir',
  title: 'Event Hubs --data-dir vs memory log, ingest',
  goal: '≥ 0.9× with the fsync policy’s default',
  bound: {
    profile: 'bench/profiles/eh-data-dir.md',
    text: 'with --data-dir each batch is written into the page cache (one writev of the bytes as they arrived, 50–60 µs per 115 kB batch on this disk) and checksummed (one CRC per append, 13 µs); the memory log spends about 200 µs per batch in all, so 0.9× leaves 20–25 µs for the file. The write cannot be skipped by a durable log, and moving it to another thread took more CPU on two cores than it saved; `--fsync batch` (a second case) waits one fdatasync per window of 4 batches.',
  },
  profileRoles: ['eh-emulator'],
  async run(ctx) {
    const memory = await startChild('eh-emulator', {}, { label: 'eh-emulator (memory log, idle when profiled)' });
    const disk = await startChild('eh-emulator', { dataDir: true }, { label: 'eh-emulator (--data-dir)' });
    // Evidence beside the goal: the strict policy (an fdatasync before every acknowledgement).
    const strict = roundOptions.oursOnly ? undefined : await startChild('eh-emulator', { dataDir: true, fsync: 'batch' }, { label: 'eh-emulator (--data-dir --fsync batch)' });
    const connections = [];
    try {
      const key = keyOf(memory.info.connectionString);
      const toDisk = await connect(disk.info.port, { password: key });
      const toMemory = await connect(memory.info.port, { password: key });
      const toStrict = strict && (await connect(strict.info.port, { password: key }));
      connections.push(toDisk, toMemory, ...(toStrict ? [toStrict] : []));
      const ours = await batchSender(toDisk, 'bench', { window: WINDOW });
      const base = await batchSender(toMemory, 'bench', { window: WINDOW });
      const synced = toStrict && (await batchSender(toStrict, 'bench', { window: WINDOW }));
      const ms = ctx.roundMs(1000);
      const cpu = cpuShares();
      const measured = await alternate(
        {
          ours: { name: 'our emulator with --data-dir (default fsync policy)', run: cpu.wrap('data-dir', { emulator: disk }, () => ours.round(ms)) },
          limit: { name: 'our emulator, memory log', run: cpu.wrap('memory', { emulator: memory }, () => base.round(ms)) },
          ...(synced ? { batch: { name: 'our emulator with --data-dir --fsync batch', run: cpu.wrap('fsync batch', { emulator: strict }, () => synced.round(ms)) } } : {}),
        },
        { rounds: ctx.rounds, warmup: ctx.warmup, deadline: ctx.deadline },
      );
      ctx.notes.push(
        `The eh-ingest sender against emulators with a fresh --data-dir in ${process.env.TMPDIR ?? '/tmp'} and one in memory; a batch counts once accepted. ` +
          'With --data-dir each batch is one segment record (a 37-byte header, one CRC-32, the transfer’s bytes as they arrived), written with one writev before the accept. ' +
          'Under the default policy (--fsync interval) a batch is accepted once written to the OS (a killed emulator loses nothing accepted; an fdatasync follows within 100 ms, so a power cut can lose that much); ' +
          `the second case is --fsync batch, accepted only after a group-commit fdatasync, so ${WINDOW} batches in flight wait one disk sync per round trip. ${ms} ms rounds. Share of a core over a round (median): ${cpu.describe()}.`,
      );
      const ratio = { against: 'limit' };
      const cases = [finishCase({ id: 'ratio', label: 'ingest, data-dir (default --fsync interval) vs memory', unit: 'events/s', better: 'higher', ratio, goal: { op: '>=', value: 0.9, text: '≥ 0.9× memory' } }, { ours: measured.ours, limit: measured.limit })];
      if (measured.batch) cases.push(finishCase({ id: 'fsync-batch', label: 'ingest, data-dir --fsync batch vs memory', unit: 'events/s', better: 'higher', ratio }, { ours: measured.batch, limit: measured.limit }));
      return cases;
    } finally {
      for (const connection of connections) connection.close();
      await disk.stop();
      rmSync(disk.info.dataDir, { recursive: true, force: true });
      if (strict) {
        await strict.stop();
        rmSync(strict.info.dataDir, { recursive: true, force: true });
      }
      await memory.stop();
    }
  },
};
