#!/usr/bin/env node
// Durability soak for the Event Hubs emulator's `--data-dir` (issue 10): produce with
// @azure/event-hubs to a child-process emulator while SIGKILLing it at random moments. After each
// restart every event whose send resolved must be read back, in send order, each with the sequence
// number it had when first read (numbers are stable and never reused).
//   node scripts/durability-soak.mjs [--runs 10] [--min-ms 300] [--max-ms 2000] [--fsync interval] [--cli dist/emulator/cli.js] [--seed N]
// Prints one line per run (acknowledged, lost, reordered, renumbered) and `durability: N passed, M failed`;
// exits 1 when any run failed. The short form (`--runs 2`) runs inside npm test (test/node/durability-soak.test.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { earliestEventPosition, EventHubConsumerClient, EventHubProducerClient } from '@azure/event-hubs';
import { DEFAULT_CLI, startEmulatorChild } from './emulator-child.mjs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    'min-ms': { type: 'string', default: '300' },
    'max-ms': { type: 'string', default: '2000' },
    fsync: { type: 'string', default: 'interval' },
    cli: { type: 'string', default: DEFAULT_CLI },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
  },
});
const RUNS = Number(values.runs);
const PARTITIONS = ['0', '1', '2', '3'];
const HUB = 'eh1';

// A small seeded generator, so a failing run can be replayed with --seed.
let state = Number(values.seed) >>> 0 || 1;
const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const between = (low, high) => Math.floor(low + random() * (high - low + 1));

/** Per partition, the ids of acknowledged events in send order, and the sequence number each was first read with. */
const acknowledged = new Map(PARTITIONS.map((id) => [id, []]));
const firstSeen = new Map();

const retryOptions = { maxRetries: 0, timeoutInMs: 2_000 };

/** One sequential sender per partition until the emulator dies; `counter.resolved` counts acknowledged events. */
async function produce(connectionString, run, stopSignal, counter) {
  const producer = new EventHubProducerClient(connectionString, HUB, { retryOptions });
  await Promise.all(
    PARTITIONS.map(async (partitionId) => {
      for (let batchNo = 0; !stopSignal.stopped; batchNo++) {
        const size = between(1, 40);
        const ids = Array.from({ length: size }, (_, i) => `${run}:${partitionId}:${batchNo}:${i}`);
        try {
          await producer.sendBatch(ids.map((id) => ({ body: id })), { partitionId });
        } catch {
          return; // the emulator was killed: this batch is unacknowledged, so nothing is owed for it
        }
        acknowledged.get(partitionId).push(...ids);
        counter.resolved += size;
        counter.onFirst?.();
      }
    }),
  );
  void producer.close().catch(() => undefined);
}

/** Every event of one partition from the earliest, up to its last enqueued sequence number. */
async function readPartition(consumer, partitionId, lastSequenceNumber) {
  const events = [];
  if (lastSequenceNumber < 0) return events;
  await new Promise((resolve, reject) => {
    const subscription = consumer.subscribe(
      partitionId,
      {
        processEvents: async (batch) => {
          events.push(...batch);
          if (batch.at(-1) && batch.at(-1).sequenceNumber >= lastSequenceNumber) void subscription.close().then(resolve);
        },
        processError: async (error) => reject(error),
      },
      { startPosition: earliestEventPosition, maxBatchSize: 2000, maxWaitTimeInSeconds: 1 },
    );
  });
  return events;
}

/** Checks every acknowledged event is present, in order, with a stable, unique sequence number. */
async function verify(connectionString) {
  const consumer = new EventHubConsumerClient('$Default', connectionString, HUB, { retryOptions: { maxRetries: 2 } });
  const report = { acknowledged: 0, lost: 0, reordered: 0, renumbered: 0, duplicateNumbers: 0 };
  try {
    for (const partitionId of PARTITIONS) {
      const { lastEnqueuedSequenceNumber } = await consumer.getPartitionProperties(partitionId);
      const events = await readPartition(consumer, partitionId, lastEnqueuedSequenceNumber);
      const position = new Map();
      const numbers = new Set();
      let previous = -1;
      for (const event of events) {
        if (numbers.has(event.sequenceNumber) || event.sequenceNumber <= previous) report.duplicateNumbers++;
        numbers.add(event.sequenceNumber);
        previous = event.sequenceNumber;
        // An id can appear twice only if an unacknowledged send was retried; keep its first place.
        if (!position.has(event.body)) position.set(event.body, { index: position.size, sequenceNumber: event.sequenceNumber });
      }
      let lastIndex = -1;
      for (const id of acknowledged.get(partitionId)) {
        report.acknowledged++;
        const found = position.get(id);
        if (!found) {
          report.lost++;
          continue;
        }
        if (found.index < lastIndex) report.reordered++;
        lastIndex = found.index;
        const before = firstSeen.get(id);
        if (before === undefined) firstSeen.set(id, found.sequenceNumber);
        else if (before !== found.sequenceNumber) report.renumbered++;
      }
    }
  } finally {
    await consumer.close();
  }
  return report;
}

const dataDir = await mkdtemp(join(tmpdir(), 'durability-soak-'));
const args = ['--eventhubs-port', '0', '--data-dir', dataDir, '--fsync', values.fsync];
let passed = 0;
let failed = 0;

function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One kill and restart; returns the run's line. Children are always stopped. */
async function soakRun(run, children) {
  const emulator = startEmulatorChild(args, { cli: values.cli });
  children.push(emulator);
  const { eventhubs } = await emulator.ready;
  const stop = { stopped: false };
  // The kill clock starts at the first acknowledgement, so every run kills a producer mid-stream.
  const counter = { resolved: 0 };
  const firstAck = new Promise((resolve) => (counter.onFirst = resolve));
  void produce(eventhubs.connectionString, run, stop, counter);
  await within(firstAck, 20_000, 'the first acknowledged send');
  const killAfter = between(Number(values['min-ms']), Number(values['max-ms']));
  await new Promise((resolve) => setTimeout(resolve, killAfter));
  await emulator.kill('SIGKILL');
  // Once the process is gone no acknowledgement can arrive; sends still in flight can only fail
  // (unacknowledged, so nothing is owed for them). Let already-read acknowledgements land.
  await new Promise((resolve) => setTimeout(resolve, 100));
  stop.stopped = true;
  const sentThisRun = counter.resolved;

  // Restart on the same data dir and read everything back.
  const again = startEmulatorChild(args, { cli: values.cli });
  children.push(again);
  const { eventhubs: restarted } = await again.ready;
  const report = await within(verify(restarted.connectionString), 120_000, 'reading everything back');
  const ok = report.lost === 0 && report.reordered === 0 && report.renumbered === 0 && report.duplicateNumbers === 0;
  return {
    ok,
    line:
      `run ${run}: killed after ${killAfter} ms, ${sentThisRun} acknowledged this run, ${report.acknowledged} in total; ` +
      `lost ${report.lost}, reordered ${report.reordered}, renumbered ${report.renumbered}, reused numbers ${report.duplicateNumbers}${ok ? '' : '  FAILED'}`,
  };
}

console.log(`durability soak: ${RUNS} SIGKILLs, fsync ${values.fsync}, seed ${values.seed}, data dir ${dataDir}`);
try {
  for (let run = 1; run <= RUNS; run++) {
    const children = [];
    let result;
    try {
      result = await soakRun(run, children);
    } catch (error) {
      result = { ok: false, line: `run ${run}: error: ${error instanceof Error ? error.message.slice(0, 2000) : String(error)}  FAILED` };
    } finally {
      await Promise.all(children.map((child) => child.kill('SIGTERM')));
    }
    if (result.ok) passed++;
    else failed++;
    console.log(result.line);
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
console.log(`durability: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
