#!/usr/bin/env node
// Measures Event Hubs `--data-dir` throughput for each `--fsync` policy (docs/eventhubs-emulator.md):
// a bare rhea sender keeping `--window` single-event deliveries in flight to one partition, and
// @azure/event-hubs sending `--concurrency` single-event batches at a time. An event counts when
// the emulator accepted it, i.e. once it is durable under the policy.
//   node scripts/fsync-bench.mjs [--events 20000] [--window 200] [--concurrency 32] [--cli dist/emulator/cli.js]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EventHubProducerClient } from '@azure/event-hubs';
import rhea from 'rhea';
import { DEFAULT_CLI, startEmulatorChild } from './emulator-child.mjs';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    window: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '32' },
    cli: { type: 'string', default: DEFAULT_CLI },
    policies: { type: 'string', default: 'always,batch,never' },
  },
});
const EVENTS = Number(values.events);
const WINDOW = Number(values.window);
const CONCURRENCY = Number(values.concurrency);

function parse(connectionString) {
  const parts = Object.fromEntries(connectionString.split(';').map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)]));
  const url = new URL(parts.Endpoint.replace('sb://', 'http://'));
  return { host: url.hostname, port: Number(url.port), username: parts.SharedAccessKeyName, password: parts.SharedAccessKey };
}

/** Bare rhea: `WINDOW` unsettled single-event deliveries in flight; events/s until all are accepted. */
function rheaSender(connectionString, count) {
  return new Promise((resolve, reject) => {
    const container = rhea.create_container();
    const connection = container.connect({ ...parse(connectionString), reconnect: false });
    const sender = connection.open_sender({ target: { address: 'eh1/Partitions/0' }, autosettle: true });
    let sent = 0;
    let accepted = 0;
    let started = 0;
    const pump = () => {
      while (sent < count && sent - accepted < WINDOW && sender.sendable()) {
        sender.send({ body: `event ${sent}` });
        sent++;
      }
    };
    sender.on('sendable', () => {
      if (!started) started = performance.now();
      pump();
    });
    sender.on('accepted', () => {
      accepted++;
      if (accepted === count) {
        const seconds = (performance.now() - started) / 1000;
        connection.close();
        resolve(count / seconds);
      } else pump();
    });
    sender.on('rejected', (context) => reject(new Error(`rejected: ${JSON.stringify(context.delivery.remote_state?.error)}`)));
    connection.on('connection_error', (context) => reject(context.connection.error ?? new Error('connection error')));
  });
}

/** @azure/event-hubs: `CONCURRENCY` single-event sendBatch calls at a time. */
async function sdkSender(connectionString, count) {
  const producer = new EventHubProducerClient(connectionString, 'eh1');
  await producer.getPartitionIds(); // connect and authorize before the clock starts
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const n = next++;
        await producer.sendBatch([{ body: `event ${n}` }], { partitionId: '0' });
      }
    }),
  );
  const rate = count / ((performance.now() - started) / 1000);
  await producer.close();
  return rate;
}

const results = [];
for (const policy of values.policies.split(',')) {
  const dataDir = await mkdtemp(join(tmpdir(), `fsync-bench-${policy}-`));
  const emulator = startEmulatorChild(['--eventhubs-port', '0', '--data-dir', dataDir, '--fsync', policy], { cli: values.cli });
  try {
    const { eventhubs } = await emulator.ready;
    const rheaRate = await rheaSender(eventhubs.connectionString, EVENTS);
    const sdkRate = await sdkSender(eventhubs.connectionString, Math.min(EVENTS, 5000));
    results.push({ policy, rheaRate, sdkRate });
    console.log(`fsync ${policy.padEnd(6)} rhea (window ${WINDOW}): ${Math.round(rheaRate)} events/s   @azure/event-hubs (${CONCURRENCY} concurrent single-event sends): ${Math.round(sdkRate)} events/s`);
  } finally {
    await emulator.kill('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
  }
}
