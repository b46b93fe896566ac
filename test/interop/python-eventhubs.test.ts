import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe as suite, expect, it } from 'vitest';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../src/emulator/eventhubs/index.js';
import { describe, runPython } from './python-run.js';

// Python's azure-eventhub 5.11 (Debian python3-azure, pure-Python AMQP stack "pyamqp") and
// azure-eventhub-checkpointstoreblob-aio against the emulator with TLS and Azurite. How the SDK,
// which always dials amqps://{host}:5671, reaches our port: test/interop/python/eventhubs_peer.py.

let emulator: RunningEventHubsEmulator;
let dir: string;
let caFile: string;

beforeAll(async () => {
  emulator = await startEventHubsEmulator({ port: 0, tls: true, azurite: true });
  dir = mkdtempSync(join(tmpdir(), 'eh-python-'));
  caFile = join(dir, 'emulator-ca.pem');
  writeFileSync(caFile, emulator.certificate!);
}, 60_000);

afterAll(async () => {
  await emulator?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function scenario(name: string): Promise<Record<string, unknown>> {
  const blob = emulator.info().azurite!.connectionString;
  const run = await runPython('eventhubs_peer.py', [name, String(emulator.port), emulator.connectionString, caFile, blob], { timeoutMs: 45_000 });
  expect(run.code, describe(run)).toBe(0);
  expect(run.result, describe(run)).toBeDefined();
  return run.result!;
}

interface Received {
  body: string;
  partition: string;
  seq: number;
}

suite('Python azure-eventhub against the Event Hubs emulator', () => {
  it('sync producer: send_batch without key, with a partition key and to a partition id; properties; sync consumer reads them all', async () => {
    // Fails without full performatives ("list index out of range"), without the SAS-as-jwt
    // acceptance (401) and without $cbs/$management answers when reply-to is absent (hangs).
    const result = await scenario('sync');
    expect(result.eventhub_properties).toMatchObject({ eventhub_name: 'eh1', partition_ids: ['0', '1', '2', '3'] });
    const partitions = result.partition_properties as { id: string; last_enqueued_sequence_number: number; is_empty: boolean }[];
    expect(partitions.map((partition) => partition.id)).toEqual(['0', '1', '2', '3']);
    const stored = partitions.reduce((sum, partition) => sum + (partition.is_empty ? 0 : partition.last_enqueued_sequence_number + 1), 0);
    expect(stored).toBe(10);
    const received = result.received as Received[];
    expect(received.map((event) => event.body).sort()).toEqual(
      ['no-key-0', 'no-key-1', 'no-key-2', 'key-0', 'key-1', 'key-2', 'key-again', 'partition-0', 'partition-1', 'partition-2'].sort(),
    );
    expect(new Set(received.filter((event) => event.body.startsWith('partition-')).map((event) => event.partition))).toEqual(new Set(['2']));
    expect(new Set(received.filter((event) => event.body.startsWith('key')).map((event) => event.partition)).size).toBe(1);
  }, 60_000);

  it('async consumers over AMQP/WebSocket with BlobCheckpointStore on Azurite; a second consumer resumes after the checkpoint', async () => {
    const result = await scenario('async');
    expect(result.partition_0).toMatchObject({ eventhub_name: 'eh1', id: '0', is_empty: false });
    const first = result.first as Received[];
    expect(first.length).toBeGreaterThanOrEqual(4);
    const checkpoints = result.checkpoints as { partition_id: string; sequence_number: number }[];
    expect(checkpoints.length).toBeGreaterThan(0);
    expect(result.ownerships).toBeGreaterThan(0);
    const checkpointed = new Map(checkpoints.map((checkpoint) => [checkpoint.partition_id, checkpoint.sequence_number]));
    const second = result.second as Received[];
    expect(second.map((event) => event.body)).toEqual(expect.arrayContaining(['second-0', 'second-1']));
    for (const event of second) {
      const after = checkpointed.get(event.partition);
      if (after !== undefined) expect(event.seq, `${event.body} on ${event.partition}`).toBeGreaterThan(after);
    }
    // Nothing the first consumer checkpointed is read again.
    for (const event of first) {
      if (event.seq <= (checkpointed.get(event.partition) ?? -1)) {
        expect(second.some((again) => again.partition === event.partition && again.seq === event.seq)).toBe(false);
      }
    }
  }, 60_000);

  it('sync producer and consumer over AMQP/WebSocket (websocket-client): properties, a batch to a partition, read back in order', async () => {
    const result = await scenario('sync-websocket');
    expect(result.eventhub_properties).toMatchObject({ eventhub_name: 'eh1', partition_ids: ['0', '1', '2', '3'] });
    const before = result.before as { id: string; last_enqueued_sequence_number: number };
    expect(before.id).toBe('3');
    const first = before.last_enqueued_sequence_number + 1;
    expect(result.after).toMatchObject({ eventhub_name: 'eh1', id: '3', is_empty: false, last_enqueued_sequence_number: first + 2 });
    expect(result.received).toEqual([0, 1, 2].map((n) => ({
      body: `ws-${n}`,
      partition: '3',
      seq: first + n,
      properties: { n, transport: 'websocket' },
    })));
  }, 60_000);

  it('a wrong key is refused with the SDK\'s AuthenticationError', async () => {
    const result = await scenario('wrong-key');
    expect(result.refused).toMatchObject({ type: 'AuthenticationError' });
  }, 60_000);
});
