// Rows 6–8: Event Hubs emulator ingest and receive with bare rhea clients (and the SDK consumer),
// against bare rhea on both ends; and the --data-dir log against the memory log.
import { rmSync } from 'node:fs';
import { EventHubConsumerClient, earliestEventPosition } from '@azure/event-hubs';
import { batchSender, connect, keyOf, receiveRound } from '../lib/amqp.mjs';
import { startChild } from '../lib/child.mjs';
import { cpuShares } from '../lib/cpu-share.mjs';
import { alternate, finishCase } from '../lib/rounds.mjs';

const PARTITIONS = [0, 1, 2, 3];
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

async function prefill(port, key, perPartition) {
  const connection = await connect(port, { password: key });
  try {
    await Promise.all(
      PARTITIONS.map(async (partition) => {
        const sender = await batchSender(connection, `bench/Partitions/${partition}`, { window: WINDOW });
        // round(ms) runs until its time is up; go in short steps until the partition holds enough.
        let sent = 0;
        while (sent < perPartition) sent += Math.round((await sender.round(100)) / 10);
        sender.close();
      }),
    );
  } finally {
    connection.close();
  }
}

export const receive = {
  id: 'eh-receive',
  title: 'Event Hubs receive, all partitions',
  goal: '≥ 0.8× rhea ↔ rhea',
  profileRoles: ['eh-emulator'],
  async run(ctx) {
    const emulator = await startChild('eh-emulator');
    const source = await startChild('rhea-source');
    const key = keyOf(emulator.info.connectionString);
    const perPartition = { full: 60_000, quick: 25_000, smoke: 3_000 }[ctx.mode];
    try {
            await prefill(emulator.info.port, key, perPartition);
      const addresses = PARTITIONS.map((partition) => `bench/ConsumerGroups/$Default/Partitions/${partition}`);
      const ms = ctx.roundMs(1000);
      const available = perPartition * PARTITIONS.length;
      // A new client per round: a second subscribe() on a client whose first subscription closed
      // never received events here. Its connection setup is not timed (the count starts at the
      // first event). A subscription that sees no event for 15 s is abandoned and tried once more
      // (seen once in a full run: see the notes).
      const sdkAttempt = () => {
        const consumer = new EventHubConsumerClient('$Default', emulator.info.connectionString, 'bench');
        return new Promise((resolve, reject) => {
          let count = 0;
          let first;
          let timer = setTimeout(() => finish('stalled'), 15_000);
          const subscription = consumer.subscribe(
            {
              processEvents: async (events) => {
                if (!events.length) return;
                if (count === 0) {
                  first = performance.now();
                  clearTimeout(timer);
                  timer = setTimeout(finish, ms);
                }
                count += events.length;
                if (count >= available) finish();
              },
              processError: async (error) => {
                if (process.env.BENCH_DEBUG) console.log(`  sdk processError: ${error.message}`);
                reject(error);
              },
            },
            { startPosition: earliestEventPosition, maxBatchSize: 1000, maxWaitTimeInSeconds: 1 },
          );
          function finish(stalled) {
            clearTimeout(timer);
            if (stalled === 'stalled') return subscription.close().finally(() => resolve(undefined));
            const rate = (count * 1000) / (performance.now() - first);
            if (count >= available) return reject(new Error('SDK consumer ran out of events: prefill more'));
            subscription.close().then(() => resolve(rate), reject);
          }
        }).finally(() => consumer.close());
      };
      let stalls = 0;
      const sdkRound = async () => {
        const rate = (await sdkAttempt()) ?? (stalls++, await sdkAttempt());
        if (rate === undefined) throw new Error('the SDK consumer received no event in 15 s, twice');
        return rate;
      };
      const cpu = cpuShares();
      const measured = await alternate(
        {
          sdk: { name: '@azure/event-hubs 6 EventHubConsumerClient ← our emulator', run: cpu.wrap('sdk', { emulator }, sdkRound) },
          rhea: { name: 'bare rhea receivers ← our emulator', run: cpu.wrap('rhea', { emulator }, () => receiveRound(emulator.info.port, key, addresses, ms, { available })) },
          limit: { name: 'bare rhea receivers ← bare rhea sender', run: cpu.wrap('limit', { source }, () => receiveRound(source.info.port, undefined, addresses, ms)) },
        },
        { rounds: ctx.rounds, warmup: ctx.warmup, deadline: ctx.deadline },
      );
      ctx.notes.push(`Share of a core over a whole round (connection setup included; median of rounds): ${cpu.describe({ sdk: 'SDK rounds', rhea: 'bare rhea rounds', limit: 'limit rounds' })}. The harness is the receiving client.`);
      ctx.notes.push(
        `${available.toLocaleString('en-US')} 100-byte events prefilled over 4 partitions; each round reads all partitions from the start and counts events for ${ms} ms from the first one. Bare rhea receivers: a fresh connection per round (closed at its end; its setup is not timed), a link per partition, credit window 1,000, auto-accept (as the SDK's links). SDK: subscribe() to all partitions, maxBatchSize 1,000 (prefetch 3,000). The limit's sender sends events encoded once (a cycle of 1,000, with the sequence-number, offset and enqueued-time annotations the emulator puts on an event), so that the receiving client is what bounds it.`,
      );
      if (stalls) ctx.notes.push(`The SDK consumer received no event for 15 s from a fresh subscription ${stalls} time(s) in this run; each time a new client was made and that round retried.`);
      const spec = (id, label) => ({ id, label, unit: 'events/s', better: 'higher', ratio: { against: 'limit' }, goal: { op: '>=', value: 0.8, text: '≥ 0.8× rhea ↔ rhea' } });
      return [finishCase(spec('sdk', 'SDK consumer'), { ours: measured.sdk, limit: measured.limit }), finishCase(spec('rhea', 'bare rhea receivers'), { ours: measured.rhea, limit: measured.limit })];
    } finally {
      await emulator.stop();
      await source.stop();
    }
  },
};
