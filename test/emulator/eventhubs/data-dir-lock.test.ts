import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../../../src/emulator/eventhubs/log/data-dir-lock.js';
import { startEventHubsEmulator } from '../../../src/emulator/eventhubs/index.js';

// Two processes appending to one data dir would interleave records and reuse sequence numbers:
// the second is refused with a typed error naming the dir and the holder; a dead holder's lock is taken over.

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

async function scratch(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'eh-lock-'));
  directories.push(directory);
  return directory;
}

/** Another live process holding the lock as the emulator writes it (a file with the holder's pid). */
async function holderProcess(dataDir: string) {
  const script = `require('fs').writeFileSync(${JSON.stringify(join(dataDir, LOCK_FILE))}, process.pid + '\\n', { flag: 'wx' }); console.log('locked'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  expect(chunk.toString()).toContain('locked');
  return child;
}

test('a second emulator on the same data dir (another process) is refused, naming the dir and the holder pid', async () => {
  const dataDir = await scratch();
  const child = await holderProcess(dataDir);
  try {
    const attempt = startEventHubsEmulator({ dataDir });
    await expect(attempt).rejects.toBeInstanceOf(DataDirLockedError);
    const error = (await attempt.catch((e: unknown) => e)) as DataDirLockedError;
    expect(error.pid).toBe(child.pid);
    expect(error.directory).toBe(dataDir);
    expect(error.message).toContain(dataDir);
    expect(error.message).toContain(`pid ${child.pid}`);
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  // The holder was killed: its lock is stale and the next start takes it over.
  const emulator = await startEventHubsEmulator({ dataDir });
  expect((await readFile(join(dataDir, LOCK_FILE), 'utf8')).trim()).toBe(String(process.pid));
  await emulator.close();
});

test('a second open in the same process is refused too; close releases the lock', async () => {
  const dataDir = await scratch();
  const first = await startEventHubsEmulator({ dataDir });
  await expect(startEventHubsEmulator({ dataDir })).rejects.toThrow(DataDirLockedError);
  await first.close();
  const second = await startEventHubsEmulator({ dataDir });
  await second.close();
});

test('a lock left by a pid that no longer runs is taken over', async () => {
  const dataDir = await scratch();
  const gone = spawn(process.execPath, ['-e', '']);
  await once(gone, 'exit');
  await writeFile(join(dataDir, LOCK_FILE), `${gone.pid}\n`);
  const lock = lockDataDir(dataDir);
  expect((await readFile(join(dataDir, LOCK_FILE), 'utf8')).trim()).toBe(String(process.pid));
  lock.release();
});
