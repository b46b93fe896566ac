import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { LOADED_MACHINE } from '../../shared/until.js';

// `--fsync`: a delivery is accepted (whenDurable fires) only after the data reached the disk.
// node:fs is wrapped to record the order of writes, syncs and acknowledgements.

const calls: string[] = [];
/** The same calls with the file descriptor they were made on: `write:3`, `synced:3`, `close:3`. */
const onFiles: string[] = [];
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const wrapped = {
    ...fs,
    writeSync: ((...args: Parameters<typeof fs.writeSync>) => {
      calls.push('write');
      onFiles.push(`write:${args[0]}`);
      return fs.writeSync(...args);
    }) as typeof fs.writeSync,
    writevSync: ((...args: Parameters<typeof fs.writevSync>) => {
      calls.push('write');
      onFiles.push(`write:${args[0]}`);
      return fs.writevSync(...args);
    }) as typeof fs.writevSync,
    fdatasyncSync: (fd: number) => {
      calls.push('fdatasyncSync');
      fs.fdatasyncSync(fd);
      onFiles.push(`synced:${fd}`);
    },
    fdatasync: (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      calls.push('fdatasync');
      fs.fdatasync(fd, (error) => {
        calls.push('fdatasync done');
        onFiles.push(`synced:${fd}`);
        callback(error);
      });
    },
    fsync: (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      calls.push('fsync');
      fs.fsync(fd, (error) => {
        calls.push('fsync done');
        callback(error);
      });
    },
    closeSync: (fd: number) => {
      onFiles.push(`close:${fd}`);
      fs.closeSync(fd);
    },
  };
  return { ...wrapped, default: wrapped };
});

const { FilePartitionLog } = await import('../../../src/emulator/eventhubs/log/file-log.js');
const { FSYNC_INTERVAL_MS } = await import('../../../src/emulator/eventhubs/log/group-commit.js');

const directories: string[] = [];
afterEach(async () => {
  calls.length = 0;
  onFiles.length = 0;
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

async function scratch(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'eh-fsync-'));
  directories.push(directory);
  return directory;
}

const message = new TextEncoder().encode('payload');

test('batch: every append of one event-loop turn shares one fdatasync, and each is acknowledged after it returns', async () => {
  const log = new FilePartitionLog(await scratch(), 0, { fsync: 'batch' });
  const acknowledged = new Promise<void>((resolve) => {
    let pending = 50;
    for (let n = 0; n < 50; n++) {
      log.append([{ message }], 1);
      log.whenDurable((error) => {
        expect(error).toBeUndefined();
        calls.push('ack');
        if (--pending === 0) resolve();
      });
    }
  });
  expect(calls.filter((call) => call === 'ack')).toHaveLength(0); // nothing acknowledged in the same turn
  await acknowledged;
  const firstAck = calls.indexOf('ack');
  expect(calls.slice(0, firstAck).filter((call) => call === 'write')).toHaveLength(50);
  expect(calls.slice(0, firstAck).filter((call) => call.startsWith('fdatasync'))).toEqual(['fdatasync', 'fdatasync done']);
  log.close();
});

test('always: fdatasync follows every write before append returns', async () => {
  const log = new FilePartitionLog(await scratch(), 0, { fsync: 'always' });
  calls.length = 0;
  for (let n = 0; n < 3; n++) log.append([{ message }], 1);
  expect(calls).toEqual(['write', 'fdatasyncSync', 'write', 'fdatasyncSync', 'write', 'fdatasyncSync']);
  log.close();
});

test('never: written, not synced, acknowledged at once', async () => {
  const log = new FilePartitionLog(await scratch(), 0, { fsync: 'never' });
  let acknowledged = false;
  log.append([{ message }], 1);
  log.whenDurable(() => (acknowledged = true));
  expect(acknowledged).toBe(true);
  log.close();
  expect(calls.filter((call) => call.startsWith('fdatasync'))).toEqual([]);
});

test('interval (the default): acknowledged once written, before any fdatasync; synced in the background within the interval', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  try {
    const log = new FilePartitionLog(await scratch(), 0);
    let acknowledged = 0;
    for (let n = 0; n < 3; n++) {
      log.append([{ message }], 1);
      log.whenDurable((error) => {
        expect(error).toBeUndefined();
        acknowledged++;
      });
    }
    expect(acknowledged).toBe(3);
    expect(calls).toEqual(['write', 'write', 'write']); // on the OS's page cache: a killed process loses none of them
    vi.advanceTimersByTime(FSYNC_INTERVAL_MS - 1);
    expect(calls.filter((call) => call.startsWith('fdatasync'))).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls.filter((call) => call.startsWith('fdatasync'))).toEqual(['fdatasync']); // one sync for the three, off the event loop
    await vi.waitFor(() => expect(calls).toContain('fdatasync done'), LOADED_MACHINE);
    // Nothing written since: the timer is not armed again.
    vi.advanceTimersByTime(10 * FSYNC_INTERVAL_MS);
    expect(calls.filter((call) => call === 'fdatasync')).toHaveLength(1);
    log.append([{ message }], 1);
    vi.advanceTimersByTime(FSYNC_INTERVAL_MS);
    expect(calls.filter((call) => call === 'fdatasync')).toHaveLength(2);
    await vi.waitFor(() => expect(calls.filter((call) => call === 'fdatasync done')).toHaveLength(2), LOADED_MACHINE);
    log.close();
  } finally {
    vi.useRealTimers();
  }
});

test('an unknown policy is refused', async () => {
  const directory = await scratch();
  expect(() => new FilePartitionLog(directory, 0, { fsync: 'sometimes' as never })).toThrow(/expected fsync to be one of interval, batch, always, never/);
});

test('batch across segment rolls: the old segment is synced before it is closed, every append is acknowledged', async () => {
  const directory = await scratch();
  const log = new FilePartitionLog(directory, 0, { fsync: 'batch', segmentBytes: 200 });
  let acknowledged = 0;
  for (let turn = 0; turn < 5; turn++) {
    for (let n = 0; n < 10; n++) {
      log.append([{ message }], 1);
      log.whenDurable((error) => {
        expect(error).toBeUndefined();
        calls.push('ack');
        acknowledged++;
      });
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await vi.waitFor(() => expect(acknowledged).toBe(50), LOADED_MACHINE);
  // Each retired segment was synced after its last write and before it was closed.
  let closes = 0;
  onFiles.forEach((entry, at) => {
    if (!entry.startsWith('close:')) return;
    const fd = entry.slice(6);
    const opened = onFiles.lastIndexOf(`close:${fd}`, at - 1); // fd numbers are reused after a close
    const lastWrite = onFiles.lastIndexOf(`write:${fd}`, at);
    if (lastWrite <= opened) return; // a directory, or nothing written through this descriptor
    closes++;
    expect(onFiles.slice(lastWrite, at)).toContain(`synced:${fd}`);
  });
  expect(closes).toBeGreaterThan(1);
  // Each new segment's directory entry was synced, and acknowledgements waited for it.
  const segments = (await readdir(directory)).filter((name) => name.endsWith('.log')).length;
  expect(calls.filter((call) => call === 'fsync done')).toHaveLength(segments);
  expect(calls.lastIndexOf('fsync done')).toBeLessThan(calls.lastIndexOf('ack'));
  log.close();
  const again = new FilePartitionLog(directory, 0);
  expect(again.nextSequenceNumber).toBe(50);
  expect(again.atOrAfter(0)!.sequenceNumber).toBe(0);
  again.close();
});

test('interval across segment rolls: each rolled-over segment is synced in the background before it is closed, and each new entry too', async () => {
  const directory = await scratch();
  const log = new FilePartitionLog(directory, 0, { fsync: 'interval', segmentBytes: 200 });
  for (let n = 0; n < 30; n++) log.append([{ message }], 1);
  const segments = (await readdir(directory)).filter((name) => name.endsWith('.log')).length;
  expect(segments).toBeGreaterThan(2);
  expect(onFiles.some((entry) => entry.startsWith('close:'))).toBe(false); // nothing closed before its sync
  await vi.waitFor(() => expect(calls.filter((call) => call === 'fsync done')).toHaveLength(segments), LOADED_MACHINE);
  await vi.waitFor(() => expect(onFiles.filter((entry) => entry.startsWith('close:')).length).toBeGreaterThanOrEqual(segments - 1), LOADED_MACHINE);
  onFiles.forEach((entry, at) => {
    if (!entry.startsWith('close:')) return;
    const fd = entry.slice(6);
    const opened = onFiles.lastIndexOf(`close:${fd}`, at - 1); // fd numbers are reused after a close
    const lastWrite = onFiles.lastIndexOf(`write:${fd}`, at);
    if (lastWrite > opened) expect(onFiles.slice(lastWrite, at)).toContain(`synced:${fd}`);
  });
  log.close();
});
