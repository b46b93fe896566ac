// Row: Event Hubs emulator ingest with a bare rhea sender, against a bare rhea receiver.
import { batchSender, connect, keyOf } from '../lib/amqp.mjs';
import { startChild } from '../lib/child.mjs';
import { cpuShares } from '../lib/cpu-share.mjs';
import { alternate, finishCase } from '../lib/rounds.mjs';

const WINDOW = 4;
/** Evidence: the emulator under Node's documented --max-semi-space-size (see bench/profiles/eh-ingest.md). */
const SEMI_SPACE_FLAG = '--max-semi-space-size=2';

export const ingest = {
  id: 'eh-ingest',
  title: 'Event Hubs ingest, bare rhea sender, 100 B events in batches of 1,000',
  goal: '≥ 0.5× bare rhea → bare rhea',
  bound: {
    profile: 'bench/profiles/eh-ingest.md',
    text: 'the emulator must keep every byte the sink throws away. A bare rhea receiver that only keeps the bytes, in the same rounds ("keeping receiver"), already spends about half its time on memory it has never touched (page faults and zeroing on this VM); what the emulator adds on top is mostly V8 garbage collection started by Node\'s fresh buffer per socket read, which the library cannot change without process-wide V8 flags (the row measures the same emulator under node --max-semi-space-size=2 as a named contestant).',
  },
  profileRoles: ['eh-emulator'],
  async run(ctx) {
    const emulator = await startChild('eh-emulator');
    const sink = await startChild('rhea-sink');
    // Evidence, not the goal: what keeping the bytes costs on its own (roles/rhea-keeping-sink.mjs).
    const keeper = await startChild('rhea-keeping-sink');
    // Evidence, not the goal: the same emulator, V8's young generation capped at 2 MiB a semi-space.
    const smallYoung = await startChild('eh-emulator', {}, { execArgv: [SEMI_SPACE_FLAG], label: 'eh-emulator-semi2' });
    const connections = [];
    try {
      const oursConnection = await connect(emulator.info.port, { password: keyOf(emulator.info.connectionString) });
      const sinkConnection = await connect(sink.info.port);
      const keeperConnection = await connect(keeper.info.port);
      const smallYoungConnection = await connect(smallYoung.info.port, { password: keyOf(smallYoung.info.connectionString) });
      connections.push(oursConnection, sinkConnection, keeperConnection, smallYoungConnection);
      const ours = await batchSender(oursConnection, 'bench', { window: WINDOW });
      const limit = await batchSender(sinkConnection, 'bench', { window: WINDOW });
      const kept = await batchSender(keeperConnection, 'bench', { window: WINDOW });
      const young = await batchSender(smallYoungConnection, 'bench', { window: WINDOW });
      const ms = ctx.roundMs(1000);
      const cpu = cpuShares();
      const measured = await alternate(
        {
          ours: { name: 'bare rhea sender → our emulator (memory log)', run: cpu.wrap('ours', { emulator }, () => ours.round(ms)) },
          limit: { name: 'bare rhea sender → bare rhea receiver', run: cpu.wrap('limit', { sink }, () => limit.round(ms)) },
          ceiling: { name: 'bare rhea sender → bare rhea receiver that keeps every byte as a log must', run: cpu.wrap('ceiling', { keeper }, () => kept.round(ms)) },
          semi: { name: `bare rhea sender → our emulator under node ${SEMI_SPACE_FLAG}`, run: cpu.wrap('semi', { emulator: smallYoung }, () => young.round(ms)) },
        },
        { rounds: ctx.rounds, warmup: ctx.warmup, deadline: ctx.deadline },
      );
      ctx.notes.push(`Share of a core over a round (median): ${cpu.describe({ ceiling: 'keeping receiver', semi: `ours under ${SEMI_SPACE_FLAG}` })}. The harness is the sender.`);
      ctx.notes.push(`Batches of 1,000 × 100-byte events encoded once (format 0x80013700, data sections of encoded messages, as the SDK's sendBatch), to the hub address (the emulator spreads them over 4 partitions); ${WINDOW} batches unsettled at a time; events/s counted on acceptance; ${ms} ms rounds. The emulator keeps every event (its log grows over the run up to its default cap, 4 × 256 MiB, then drops the oldest); a quick run stays under the cap, so every kept byte goes to memory the process never touched.`);
      ctx.notes.push('Keeping receiver (evidence, not the goal): the limit\'s rhea receiver that also copies every batch into 8 MB blocks kept up to the log\'s default cap (4 × 256 MiB), oldest let go past it (bench/roles/rhea-keeping-sink.mjs): what keeping the bytes costs without anything else a log does. "ours vs a keeping receiver" is ours/that; see bench/profiles/eh-ingest.md.');
      ctx.notes.push(`Ours under node ${SEMI_SPACE_FLAG} (evidence, not the goal): the same emulator with V8's semi-space capped at 2 MiB (a documented Node option): young socket-read buffers are then freed by frequent cheap scavenges instead of counting towards the old generation's limit and starting a full collection every ~120 batches (bench/profiles/eh-ingest.md).`);
      const cases = [finishCase({ id: 'events', label: 'events/s', unit: 'events/s', better: 'higher', ratio: { against: 'limit' }, goal: { op: '>=', value: 0.5, text: '≥ 0.5× rhea → rhea' } }, { ours: measured.ours, limit: measured.limit })];
      if (measured.ceiling) {
        const spec = { id: 'keeping', label: 'ours vs a keeping receiver', unit: 'events/s', better: 'higher', ratio: { against: 'limit' } };
        cases.push({ ...finishCase(spec, { ours: measured.ours, limit: measured.ceiling }), goalText: 'evidence: ours/keeping receiver (no goal)' });
        const spec2 = { id: 'keeping-vs-limit', label: 'keeping receiver vs the limit', unit: 'events/s', better: 'higher', ratio: { against: 'limit' } };
        cases.push({ ...finishCase(spec2, { ours: measured.ceiling, limit: measured.limit }), goalText: 'evidence: keeping receiver/limit (no goal)' });
      }
      if (measured.semi) {
        const spec3 = { id: 'small-young', label: `ours under node ${SEMI_SPACE_FLAG} vs the limit`, unit: 'events/s', better: 'higher', ratio: { against: 'limit' } };
        cases.push({ ...finishCase(spec3, { ours: measured.semi, limit: measured.limit }), goalText: 'evidence: the same emulator, smaller young generation (no goal)' });
        if (measured.ceiling) {
          const spec4 = { id: 'small-young-keeping', label: `ours under node ${SEMI_SPACE_FLAG} vs a keeping receiver`, unit: 'events/s', better: 'higher', ratio: { against: 'limit' } };
          cases.push({ ...finishCase(spec4, { ours: measured.semi, limit: measured.ceiling }), goalText: 'evidence (no goal)' });
        }
      }
      return cases;
    } finally {
      for (const connection of connections) connection.close();
      await emulator.stop();
      await sink.stop();
      await keeper.stop();
      await smallYoung.stop();
    }
  },
};
