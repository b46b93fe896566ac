import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventHubProducerClient } from '@azure/event-hubs';
import { afterAll, expect, test, vi } from 'vitest';
import { LOADED_MACHINE } from '../../shared/until.js';

// Through the wire: with --data-dir and `fsync: 'batch'`, @azure/event-hubs sees its send
// resolve only after the emulator's fdatasync returned. The sync is held back until released, so an
// emulator that accepted before its sync would resolve the send before "release" is recorded.

const order: string[] = [];
let held: Array<() => void> = [];
let holding = false;
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const wrapped = {
    ...fs,
    fdatasync: (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      const run = () => fs.fdatasync(fd, callback);
      if (holding) {
        order.push('fdatasync held');
        held.push(run);
      } else run();
    },
  };
  return { ...wrapped, default: wrapped };
});

const { startEventHubsEmulator } = await import('../../../src/emulator/eventhubs/index.js');

const directories: string[] = [];
afterAll(async () => {
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

test('a send resolves only after the group-commit fdatasync returned', { timeout: 30_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'eh-fsync-ack-'));
  directories.push(dataDir);
  const emulator = await startEventHubsEmulator({ dataDir, fsync: 'batch', config: { hubs: [{ name: 'synced', partitionCount: 1 }] } });
  const producer = new EventHubProducerClient(emulator.connectionString, 'synced');
  try {
    await producer.getPartitionIds(); // connected and authorized before the sync is held
    holding = true;
    const sent = producer.sendBatch([{ body: 'must be on disk first' }], { partitionId: '0' }).then(() => order.push('send resolved'));
    await vi.waitFor(() => expect(order).toContain('fdatasync held'), LOADED_MACHINE);
    // Give a wrongly early acknowledgement every chance to arrive before the release.
    await new Promise((resolve) => setTimeout(resolve, 300));
    order.push('release');
    holding = false;
    for (const run of held.splice(0)) run();
    await sent;
    expect(order).toEqual(['fdatasync held', 'release', 'send resolved']);
  } finally {
    holding = false;
    held = [];
    await producer.close();
    await emulator.close();
  }
});
