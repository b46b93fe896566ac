// Row: Event Hubs emulator ingest with a bare rhea sender, against a bare rhea receiver.
import { batchSender, connect, keyOf } from '../lib/amqp.mjs';
import { startChild } from '../lib/child.mjs';
import { cpuShares } from '../lib/cpu-share.mjs';
import { alternate, finishCase } from '../lib/rounds.mjs';

const WINDOW = 4;

export const ingest = {
  id: 'eh-ingest',
  title: 'Event Hubs ingest, bare rhea sender, 100 B events in batches of 1,000',
  goal: '≥ 0.5× bare rhea → bare rhea',
  profileRoles: ['eh-emulator'],
  async run(ctx) {
    const emulator = await startChild('eh-emulator');
    const sink = await startChild('rhea-sink');
    const connections = [];
    try {
      const oursConnection = await connect(emulator.info.port, { password: keyOf(emulator.info.connectionString) });
      const sinkConnection = await connect(sink.info.port);
      connections.push(oursConnection, sinkConnection);
      const ours = await batchSender(oursConnection, 'bench', { window: WINDOW });
      const limit = await batchSender(sinkConnection, 'bench', { window: WINDOW });
      const ms = ctx.roundMs(1000);
      const cpu = cpuShares();
      const measured = await alternate(
        {
          ours: { name: 'bare rhea sender → our emulator (memory log)', run: cpu.wrap('ours', { emulator }, () => ours.round(ms)) },
          limit: { name: 'bare rhea sender → bare rhea receiver', run: cpu.wrap('limit', { sink }, () => limit.round(ms)) },
        },
        { rounds: ctx.rounds, warmup: ctx.warmup, deadline: ctx.deadline },
      );
      ctx.notes.push(`Share of a core over a round (median): ${cpu.describe()}. The harness is the sender.`);
      ctx.notes.push(`Batches of 1,000 × 100-byte events encoded once (format 0x80013700, data sections of encoded messages, as the SDK's sendBatch), to the hub address (the emulator spreads them over 4 partitions); ${WINDOW} batches unsettled at a time; events/s counted on acceptance; ${ms} ms rounds. The emulator keeps every event of every round (its log grows over the run).`);
      return [finishCase({ id: 'events', label: 'events/s', unit: 'events/s', better: 'higher', ratio: { against: 'limit' }, goal: { op: '>=', value: 0.5, text: '≥ 0.5× rhea → rhea' } }, measured)];
    } finally {
      for (const connection of connections) connection.close();
      await emulator.stop();
      await sink.stop();
    }
  },
};
