import { join } from 'node:path';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { FilePartitionLog, type FileLogOptions } from './file-log.js';

// The `--data-dir` of the Event Hubs emulator: locked for this process while open, one folder
// per hub and partition (`<dir>/<hub>/<partition>/<first-seq>.log`).

export class EventHubsDataDir {
  private readonly lock: DataDirLock;

  constructor(readonly path: string, private readonly options: FileLogOptions = {}) {
    this.lock = lockDataDir(path);
  }

  partitionLog(hubName: string, partitionId: string, retentionCutoff: number, maxBytes?: number): FilePartitionLog {
    const options = maxBytes === undefined ? this.options : { ...this.options, maxBytes };
    return new FilePartitionLog(join(this.path, hubName.toLowerCase(), partitionId), retentionCutoff, options);
  }

  close(): void {
    this.lock.release();
  }
}
