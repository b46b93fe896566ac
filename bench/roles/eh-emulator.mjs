// Our Event Hubs emulator, one hub `bench` with 4 partitions; in memory, or with `dataDir` (a fresh
// temporary folder) under the default fsync policy (interval) unless `fsync` is given. The harness deletes
// that folder once this process has exited, so the deletion is not in its CPU profile.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importOurs } from '../lib/build.mjs';

export async function start({ dataDir = false, fsync } = {}) {
  const { startEventHubsEmulator } = await importOurs('eventhubs-emulator');
  const dir = dataDir ? mkdtempSync(join(tmpdir(), 'bench-eh-')) : undefined;
  const emulator = await startEventHubsEmulator({
    port: 0,
    config: { hubs: [{ name: 'bench', partitionCount: 4 }] },
    ...(dir ? { dataDir: dir } : {}),
    ...(fsync ? { fsync } : {}),
  });
  return {
    info: { port: emulator.port, connectionString: emulator.connectionString, dataDir: dir },
    methods: { close: () => emulator.close() },
  };
}
