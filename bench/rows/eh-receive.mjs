// Row: Event Hubs emulator receive (the SDK consumer and bare rhea receivers), against bare rhea on
// both ends.
import { EventHubConsumerClient, earliestEventPosition } from '@azure/event-hubs';
import { batchSender, connect, keyOf, receiveRound } from '../lib/amqp.mjs';
import { startChild } from '../lib/child.mjs';
import { cpuShares } from '../lib/cpu-share.mjs';
import { alternate, finishCase, roundOptions } from '../lib/rounds.mjs';
import { median } from '../lib/stats.mjs';
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PARTITIONS = [0, 1, 2, 3];
const WINDOW = 4;

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

/**
 * EH_RECEIVE_PROFILE_SDK=<dir>: the harness's own CPU profile (the SDK client) over each counted
 * window of the SDK-against-our-emulator rounds, one .cpuprofile per round (read them with
 * bench/lib/cpu-top.mjs topSelfTime).
 */
const profiler = {
  session: undefined,
  post(method) {
    return new Promise((resolve, reject) => this.session.post(method, (error, result) => (error ? reject(error) : resolve(result))));
  },
  start() {
    if (!this.session) {
      this.session = new Session();
      this.session.connect();
    }
    this.post('Profiler.enable').then(() => this.post('Profiler.start'));
  },
  stop(dir) {
    this.post('Profiler.stop').then(({ profile }) => writeFileSync(join(dir, `sdk-client-${Date.now()}.cpuprofile`), JSON.stringify(profile)));
  },
};

export const receive = {
  id: 'eh-receive',
  title: 'Event Hubs receive, all partitions',
  goal: '≥ 0.8× rhea ↔ rhea',
  bound: {
    profile: 'bench/profiles/eh-receive.md',
    text: 'the SDK consumer is bound by its own client process: against a stub server that only streams pre-encoded events (the "SDK consumer vs its ceiling" case, same rounds) it reaches about the same rate as against the emulator, its event loop busy 95–100% of each counted window, 38% of it in the SDK\'s own JSON.parse attempt on every binary body. The bare rhea receivers read from the emulator at the goal.',
  },
  profileRoles: ['eh-emulator'],
  async run(ctx) {
    const emulator = await startChild('eh-emulator');
    const source = await startChild('rhea-source');
    // The SDK's own ceiling (evidence, not the goal): the same client against a stub that costs next to nothing.
    const stub = roundOptions.oursOnly ? undefined : await startChild('eh-sdk-stub');
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
      // The SDK client's CPU per event and how busy its event loop was, over each counted window:
      // a busy loop with CPU below a core means the client was runnable and not scheduled (other
      // processes), not that it waited for the server.
      const clientCost = { sdk: [], ceiling: [] };
      const profileDir = process.env.EH_RECEIVE_PROFILE_SDK;
      const sdkAttempt = (key, connectionString, available) => {
        const consumer = new EventHubConsumerClient('$Default', connectionString, 'bench');
        return new Promise((resolve, reject) => {
          let count = 0;
          let first;
          let cpu0;
          let loop0;
          let timer = setTimeout(() => finish('stalled'), 15_000);
          const subscription = consumer.subscribe(
            {
              processEvents: async (events) => {
                if (!events.length) return;
                if (first === undefined) {
                  first = performance.now();
                  cpu0 = process.cpuUsage();
                  loop0 = performance.eventLoopUtilization();
                  if (profileDir && key === 'sdk') profiler.start();
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
            const used = process.cpuUsage(cpu0);
            clientCost[key].push({ micros: (used.user + used.system) / count, loop: performance.eventLoopUtilization(loop0).utilization });
            if (profileDir && key === 'sdk') profiler.stop(profileDir);
            if (count >= available) return reject(new Error('SDK consumer ran out of events: prefill more'));
            subscription.close().then(() => resolve(rate), reject);
          }
        }).finally(() => consumer.close());
      };
      let stalls = 0;
      const sdkRound = async (key, connectionString, available = Infinity) => {
        const rate = (await sdkAttempt(key, connectionString, available)) ?? (stalls++, await sdkAttempt(key, connectionString, available));
        if (rate === undefined) throw new Error('the SDK consumer received no event in 15 s, twice');
        return rate;
      };
      const cpu = cpuShares();
      const measured = await alternate(
        {
          sdk: { name: '@azure/event-hubs 6 EventHubConsumerClient ← our emulator', run: cpu.wrap('sdk', { emulator }, () => sdkRound('sdk', emulator.info.connectionString, available)) },
          rhea: { name: 'bare rhea receivers ← our emulator', run: cpu.wrap('rhea', { emulator }, () => receiveRound(emulator.info.port, key, addresses, ms, { available })) },
          limit: { name: 'bare rhea receivers ← bare rhea sender', run: cpu.wrap('limit', { source }, () => receiveRound(source.info.port, undefined, addresses, ms)) },
          ...(stub ? { ceiling: { name: 'the same SDK consumer ← a stub server streaming pre-encoded events (the SDK\'s ceiling)', run: cpu.wrap('ceiling', { stub }, () => sdkRound('ceiling', stub.info.connectionString)) } } : {}),
        },
        { rounds: ctx.rounds, warmup: ctx.warmup, deadline: ctx.deadline },
      );
      ctx.notes.push(`Share of a core over a whole round (connection setup included; median of rounds): ${cpu.describe({ sdk: 'SDK rounds', rhea: 'bare rhea rounds', limit: 'limit rounds', ceiling: 'SDK-ceiling rounds' })}. The harness is the receiving client.`);
      ctx.notes.push(
        `${available.toLocaleString('en-US')} 100-byte events prefilled over 4 partitions; each round reads all partitions from the start and counts events for ${ms} ms from the first one. Bare rhea receivers: a fresh connection per round (closed at its end; its setup is not timed), a link per partition, credit window 1,000, auto-accept (as the SDK's links). SDK: subscribe() to all partitions, maxBatchSize 1,000 (prefetch 3,000). The limit's sender sends events encoded once (a cycle of 1,000, with the sequence-number, offset and enqueued-time annotations the emulator puts on an event), meant to leave the receiving client as what bounds it (not pre-settled, it also takes the client's dispositions: in a lightly loaded run its own core can be the bound; the CPU shares above show which).`,
      );
      if (stub) ctx.notes.push('SDK ceiling (evidence, not the goal): the same SDK consumer, options and count against bench/roles/eh-sdk-stub.mjs, a stub answering SASL, $cbs and $management and streaming the limit\'s pre-encoded events pre-settled as fast as credit allows; "SDK consumer vs its ceiling" is ours/that. See bench/profiles/eh-receive.md for where the SDK client\'s time goes.');
      const costOf = (key) => `${median(clientCost[key].map((c) => c.micros)).toFixed(1)} µs CPU per event, event loop busy ${Math.round(100 * median(clientCost[key].map((c) => c.loop)))}%`;
      ctx.notes.push(`The SDK client over the counted windows (medians of rounds): against our emulator ${costOf('sdk')}${stub ? `; against the stub ${costOf('ceiling')}` : ''}.`);
      if (stalls) ctx.notes.push(`The SDK consumer received no event for 15 s from a fresh subscription ${stalls} time(s) in this run; each time a new client was made and that round retried.`);
      const spec = (id, label) => ({ id, label, unit: 'events/s', better: 'higher', ratio: { against: 'limit' }, goal: { op: '>=', value: 0.8, text: '≥ 0.8× rhea ↔ rhea' } });
      const cases = [finishCase(spec('sdk', 'SDK consumer'), { ours: measured.sdk, limit: measured.limit }), finishCase(spec('rhea', 'bare rhea receivers'), { ours: measured.rhea, limit: measured.limit })];
      if (measured.ceiling) {
        const spec = { id: 'sdk-ceiling', label: 'SDK consumer vs its ceiling', unit: 'events/s', better: 'higher', ratio: { against: 'limit' } };
        cases.push({ ...finishCase(spec, { ours: measured.sdk, limit: measured.ceiling }), goalText: 'evidence: ours/SDK ceiling (no goal)' });
      }
      return cases;
    } finally {
      await emulator.stop();
      await source.stop();
      await stub?.stop();
    }
  },
};
