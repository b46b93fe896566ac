import { closeSync, fdatasync, fdatasyncSync, fsync, fsyncSync, open, openSync } from 'node:fs';

// When a written event counts as durable (`--fsync`):
//   always  fdatasync after every write, before the producer's delivery is accepted;
//   batch   group commit: writes made in one event-loop turn share one fdatasync, and every
//           delivery among them is accepted once it returns (the default; see docs/eventhubs-emulator.md
//           for the measured cost of each policy);
//   never   accepted once written to the OS (survives a killed process, not a power cut).
// Under `batch`, a segment that rolled over (its last writes not yet synced) and the directory
// entry of a new segment join the next group's sync instead of blocking the event loop; the
// group's deliveries are accepted only once all of them returned.

export type FsyncPolicy = 'always' | 'batch' | 'never';
export const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'batch', 'never'];
export const DEFAULT_FSYNC_POLICY: FsyncPolicy = 'batch';

export type DurableCallback = (error?: Error) => void;

/** Group commit for one partition's segments (the active one, and any that just rolled over). */
export class GroupCommit {
  private waiting: DurableCallback[] = [];
  private scheduled = false;
  private syncing = false;
  /** Rolled-over segments written since their last sync: synced with the next group, then closed. */
  private retiring: number[] = [];
  /** Directories holding a new segment whose entry is not yet synced. */
  private directories: string[] = [];
  /** Files to close once the sync in flight returns (it may still be using them). */
  private closeAfterSync: number[] = [];

  constructor(private readonly policy: FsyncPolicy, private readonly currentFd: () => number | undefined) {}

  /** Called right after a write; makes it durable now under `always`. */
  written(fd: number): void {
    if (this.policy === 'always') fdatasyncSync(fd);
  }

  /** `done` runs once everything written so far is durable under the policy. */
  whenDurable(done: DurableCallback): void {
    if (this.policy !== 'batch') return done();
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
    const retired = this.retiring;
    this.retiring = [];
    const directories = this.directories;
    this.directories = [];
    const current = this.currentFd();
    const files = current === undefined ? retired : [...retired, current];
    let pending = files.length + directories.length;
    if (pending === 0) return batch.forEach((done) => done());
    this.syncing = true;
    let failure: Error | undefined;
    const settle = (error?: Error | null): void => {
      failure ??= error ?? undefined;
      if (--pending > 0) return;
      this.syncing = false;
      for (const fd of [...retired, ...this.closeAfterSync.splice(0)]) closeSync(fd);
      for (const done of batch) done(failure);
      // Writes that arrived while this sync ran get the next one.
      if (this.waiting.length > 0) this.flush();
    };
    for (const fd of files) fdatasync(fd, settle);
    for (const directory of directories) syncDirectory(directory, settle);
  }

  /** The segment rolled: `fd` is written no more; it is closed once what it holds is synced. */
  retire(fd: number): void {
    if (this.policy === 'batch') this.retiring.push(fd);
    else closeSync(fd); // `always` synced every write already; `never` promises no sync
  }

  /** A new segment file was created in `directory`: its entry must be durable too. */
  created(directory: string): void {
    if (this.policy === 'batch') this.directories.push(directory);
    else if (this.policy === 'always') syncDirectorySync(directory);
  }

  close(fd: number | undefined): void {
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
