import { closeSync, fdatasync, fdatasyncSync, fsync, fsyncSync, open, openSync } from 'node:fs';

// When a written event counts as durable (`--fsync`):
//   interval  accepted once written to the OS (in the page cache: a killed process, even by
//             SIGKILL, loses nothing accepted); an fdatasync runs in libuv's thread pool at most
//             FSYNC_INTERVAL_MS after a write, so a machine crash or power cut loses at most about
//             that long. The default, as Redis's `appendfsync everysec` and Kafka's default (flush
//             left to the OS): waiting for the disk on every send bounds a producer with a few
//             sends in flight to that many sends per fdatasync (bench/profiles/eh-data-dir.md).
//   batch     group commit: writes made in one event-loop turn share one fdatasync (in the
//             thread pool), and every delivery among them is accepted once it returns; writes go
//             on meanwhile and join the next sync.
//   always    fdatasync after every write, before the producer's delivery is accepted;
//   never     accepted once written to the OS, never synced by us.
// Under `batch` and `interval`, a segment that rolled over (its last writes not yet synced) and
// the directory entry of a new segment join the next sync instead of blocking the event loop.

export type FsyncPolicy = 'interval' | 'batch' | 'always' | 'never';
export const FSYNC_POLICIES: readonly FsyncPolicy[] = ['interval', 'batch', 'always', 'never'];
export const DEFAULT_FSYNC_POLICY: FsyncPolicy = 'interval';
/** Under `interval`: the longest a write waits for its background fdatasync. */
export const FSYNC_INTERVAL_MS = 100;

export type DurableCallback = (error?: Error) => void;

/** `policy` if it is one; a RangeError naming `name` (the option or flag it came from) if not. */
export function checkFsyncPolicy(policy: unknown, name = 'fsync'): FsyncPolicy {
  if (!FSYNC_POLICIES.includes(policy as FsyncPolicy)) {
    throw new RangeError(`expected ${name} to be one of ${FSYNC_POLICIES.join(', ')}, got ${JSON.stringify(policy)}`);
  }
  return policy as FsyncPolicy;
}

/** Group commit for one partition's segments (the active one, and any that just rolled over). */
export class GroupCommit {
  private waiting: DurableCallback[] = [];
  private scheduled = false;
  private syncing = false;
  /** Under `interval`: written since the last sync started, and its timer. */
  private dirty = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Under `interval`: a background sync failed; every later send is refused with it (the disk lost writes). */
  private failed: Error | undefined;
  /** Rolled-over segments written since their last sync: synced with the next group, then closed. */
  private retiring: number[] = [];
  /** Directories holding a new segment whose entry is not yet synced. */
  private directories: string[] = [];
  /** Files to close once the sync in flight returns (it may still be using them). */
  private closeAfterSync: number[] = [];

  constructor(private readonly policy: FsyncPolicy, private readonly currentFd: () => number | undefined) {}

  /** Called right after a write; makes it durable now under `always`, or soon under `interval`. */
  written(fd: number): void {
    if (this.policy === 'always') fdatasyncSync(fd);
    else if (this.policy === 'interval') {
      this.dirty = true;
      if (!this.timer && !this.syncing) this.timer = setTimeout(() => this.background(), FSYNC_INTERVAL_MS).unref();
    }
  }

  /** `done` runs once everything written so far is durable under the policy. */
  whenDurable(done: DurableCallback): void {
    if (this.policy !== 'batch') return done(this.failed);
    this.waiting.push(done);
    if (!this.scheduled && !this.syncing) {
      this.scheduled = true;
      // setImmediate runs after this turn's I/O callbacks, so every transfer read in it joins one sync.
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    this.syncAll((failure) => {
      for (const done of batch) done(failure);
      // Writes that arrived while this sync ran get the next one.
      if (this.waiting.length > 0) this.flush();
    });
  }

  /** `interval`: the timer fired; sync what was written so far, off the event loop. */
  private background(): void {
    this.timer = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    this.syncAll((failure) => {
      this.failed ??= failure;
      if (this.dirty && !this.timer) this.timer = setTimeout(() => this.background(), FSYNC_INTERVAL_MS).unref();
    });
  }

  /** fdatasync of every written file and fsync of every new directory entry, in the thread pool. */
  private syncAll(settled: (failure: Error | undefined) => void): void {
    const retired = this.retiring;
    this.retiring = [];
    const directories = this.directories;
    this.directories = [];
    const current = this.currentFd();
    const files = current === undefined ? retired : [...retired, current];
    let pending = files.length + directories.length;
    if (pending === 0) return settled(undefined);
    this.syncing = true;
    let failure: Error | undefined;
    const settle = (error?: Error | null): void => {
      failure ??= error ?? undefined;
      if (--pending > 0) return;
      this.syncing = false;
      for (const fd of [...retired, ...this.closeAfterSync.splice(0)]) closeSync(fd);
      settled(failure);
    };
    for (const fd of files) fdatasync(fd, settle);
    for (const directory of directories) syncDirectory(directory, settle);
  }

  /** The segment rolled: `fd` is written no more; it is closed once what it holds is synced. */
  retire(fd: number): void {
    if (this.policy === 'batch' || this.policy === 'interval') this.retiring.push(fd);
    else closeSync(fd); // `always` synced every write already; `never` promises no sync
  }

  /** A new segment file was created in `directory`: its entry must be durable too. */
  created(directory: string): void {
    if (this.policy === 'batch' || this.policy === 'interval') this.directories.push(directory);
    else if (this.policy === 'always') syncDirectorySync(directory);
  }

  close(fd: number | undefined): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // Nothing more will be written: sync what is outstanding now, then release anyone waiting.
    if (this.policy !== 'never') {
      for (const retired of this.retiring) fdatasyncSync(retired);
      for (const directory of this.directories) syncDirectorySync(directory);
      if (fd !== undefined) fdatasyncSync(fd);
    }
    for (const retired of this.retiring) closeSync(retired);
    this.retiring = [];
    this.directories = [];
    // A sync still in flight may be using the active file: it is closed when that sync returns.
    if (fd !== undefined) {
      if (this.syncing) this.closeAfterSync.push(fd);
      else closeSync(fd);
    }
    for (const done of this.waiting.splice(0)) done();
  }
}

function syncDirectory(path: string, done: (error?: Error | null) => void): void {
  open(path, 'r', (error, fd) => {
    if (error) return done(error);
    fsync(fd, (syncError) => {
      closeSync(fd);
      done(syncError);
    });
  });
}

function syncDirectorySync(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
