import { closeSync, fdatasync, fdatasyncSync } from 'node:fs';

// When a written event counts as durable (`--fsync`):
//   always  fdatasync after every write, before the producer's delivery is accepted;
//   batch   group commit: writes made in one event-loop turn share one fdatasync, and every
//           delivery among them is accepted once it returns (the default; see docs/eventhubs-emulator.md
//           for the measured cost of each policy);
//   never   accepted once written to the OS (survives a killed process, not a power cut).

export type FsyncPolicy = 'always' | 'batch' | 'never';
export const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'batch', 'never'];
export const DEFAULT_FSYNC_POLICY: FsyncPolicy = 'batch';

export type DurableCallback = (error?: Error) => void;

/** Group commit for one file descriptor at a time (the partition's active segment). */
export class GroupCommit {
  private waiting: DurableCallback[] = [];
  private scheduled = false;
  private syncing = false;
  private readonly retired: number[] = [];

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
    const fd = this.currentFd();
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    if (fd === undefined) return batch.forEach((done) => done());
    this.syncing = true;
    fdatasync(fd, (error) => {
      this.syncing = false;
      for (const old of this.retired.splice(0)) closeSync(old);
      for (const done of batch) done(error ?? undefined);
      // Writes that arrived while this sync ran get the next one.
      if (this.waiting.length > 0) this.flush();
    });
  }

  /** The segment rolled: sync what `fd` holds now, close it once no sync is using it. */
  retire(fd: number): void {
    if (this.policy !== 'never') fdatasyncSync(fd);
    if (this.syncing) this.retired.push(fd);
    else closeSync(fd);
  }

  close(fd: number | undefined): void {
    if (fd !== undefined) this.retire(fd);
    // Nothing more will be written; anyone still waiting is covered by the sync above.
    for (const done of this.waiting.splice(0)) done();
  }
}
