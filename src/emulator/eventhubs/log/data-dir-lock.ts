import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

// One process per data dir: two emulators appending to the same segment files would interleave
// records and hand out the same sequence numbers. The lock is a file holding the owner's pid,
// created exclusively; a lock whose pid no longer runs was left by a killed process and is taken over.

export const LOCK_FILE = '.emulator.lock';

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(readonly directory: string, readonly pid: number) {
    super(
      `The data dir ${directory} is in use by another emulator (pid ${pid}); stop it or give another --data-dir ` +
        `(if no such process is an emulator, delete ${join(directory, LOCK_FILE)}).`,
    );
  }
}

/** Directories this process holds, so a second open in the same process is refused too. */
const heldHere = new Set<string>();

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(directory: string): DataDirLock {
  const dir = resolve(directory);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  if (heldHere.has(dir)) throw new DataDirLockedError(dir, process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = holder(path);
      // An unreadable or empty lock may be one being written this instant: only a dead pid is stale.
      if (pid !== undefined && pid !== process.pid && running(pid)) throw new DataDirLockedError(dir, pid);
      if (pid === undefined && attempt === 0) continue;
      if (attempt >= 3) throw new DataDirLockedError(dir, pid ?? 0);
      rmSync(path, { force: true });
    }
  }
  heldHere.add(dir);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      heldHere.delete(dir);
      if (holder(path) === process.pid) rmSync(path, { force: true });
    },
  };
}
