// Row 11: the Kafka endpoint next to AMQP, by bench/kafka.bench.mjs (another helper's script: one
// emulator, kafkajs produce and fetch, then @azure/event-hubs send and receive). It imports dist/;
// here it is bundled with those imports pointed at src/, so it measures the same tree as the other
// rows, then run once in its own process (no alternating rounds: the script runs its phases in turn).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT } from '../lib/build.mjs';
import { finishCase } from '../lib/rounds.mjs';

const SCRIPT = join(ROOT, 'bench/kafka.bench.mjs');

const distToSrc = {
  name: 'dist-to-src',
  setup(build) {
    build.onResolve({ filter: /\/dist\// }, (args) => ({ path: resolve(args.resolveDir, args.path).replace(`${ROOT}dist/`, `${ROOT}src/`).replace(/\.js$/, '.ts') }));
  },
};

export const row = {
  id: 'kafka',
  title: 'Event Hubs Kafka endpoint next to AMQP',
  goal: 'no goal in issue 12: reported next to AMQP',
  profileRoles: [],
  budgetMs: { full: 58_000, quick: 40_000, smoke: 25_000 },
  async run(ctx) {
    if (!existsSync(SCRIPT)) throw new Error('bench/kafka.bench.mjs is not there');
    const outfile = join(process.env.BENCH_BUILD, 'kafka.bench.mjs');
    await esbuild.build({ absWorkingDir: ROOT, entryPoints: [SCRIPT], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', plugins: [distToSrc], logLevel: 'error' });
    const events = { full: 50_000, quick: 20_000, smoke: 2_000 }[ctx.mode];
    const stdout = await new Promise((resolvePromise, reject) =>
      execFile(process.execPath, [outfile], { cwd: dirname(SCRIPT), env: { ...process.env, BENCH_EVENTS: String(events) }, timeout: Math.round(Math.max(5_000, ctx.deadline - performance.now())) }, (error, out, err) =>
        error ? reject(new Error(`kafka.bench.mjs: ${error.message}\n${err}`)) : resolvePromise(out),
      ),
    );
    const line = (name) => {
      const found = stdout.split('\n').find((l) => l.startsWith(`| ${name}`));
      if (!found) throw new Error(`kafka.bench.mjs printed no "${name}" row:\n${stdout}`);
      const [, produce, read, counts] = found.split('|').slice(1).map((cell) => cell.trim());
      return { produce: Number(produce), read: Number(read), counts };
    };
    const kafka = line('Kafka');
    const amqp = line('AMQP');
    ctx.notes.push(`${stdout.split('\n')[0]}; ${events.toLocaleString('en-US')} events per phase (or 12 s), one run: Kafka produced / fetched ${kafka.counts}, AMQP ${amqp.counts}. Ratio Kafka/AMQP.`);
    const one = (name, value) => ({ name, samples: [value] });
    return [
      finishCase({ id: 'produce', label: 'produce / send', unit: 'events/s', better: 'higher', ratio: { against: 'peer' } }, { ours: one('kafkajs producer, acks 1, batches of 500', kafka.produce), peer: one('@azure/event-hubs sendBatch, batches of 500', amqp.produce) }),
      finishCase({ id: 'read', label: 'fetch / receive', unit: 'events/s', better: 'higher', ratio: { against: 'peer' } }, { ours: one('kafkajs consumer (eachBatch)', kafka.read), peer: one('@azure/event-hubs EventHubConsumerClient', amqp.read) }),
    ];
  },
};
