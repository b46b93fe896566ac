import type { HubDefinition, NamespaceDefinition } from './config.js';
import { EventHubsDataDir } from './log/data-dir.js';
import { MemoryPartitionLog } from './log/memory-log.js';
import { Partition } from './partition.js';
import { partitionForKey } from './partition-key.js';

// The emulated namespace: hubs by case-insensitive name, their partitions, and routing of
// sends to `<hub>` (partition key hash, else round-robin; docs/protocol/eventhubs.md §5).

export interface NamespaceOptions {
  /** Message bytes each partition keeps in memory before its oldest events go (memory-log.ts). */
  maxLogBytesPerPartition?: number;
}

export class Hub {
  readonly partitions: Partition[];
  private nextRoundRobin = 0;

  constructor(readonly definition: HubDefinition, dataDir: EventHubsDataDir | undefined, options: NamespaceOptions = {}) {
    const cutoff = Date.now() - definition.retentionMs;
    const maxBytes = options.maxLogBytesPerPartition;
    this.partitions = definition.partitionIds.map((id) => {
      const log = dataDir
        ? dataDir.partitionLog(definition.name, id, cutoff, maxBytes)
        : new MemoryPartitionLog(undefined, maxBytes);
      return new Partition(definition.name, id, log, definition.retentionMs);
    });
  }

  get name(): string {
    return this.definition.name;
  }

  partition(id: string): Partition | undefined {
    return /^\d+$/.test(id) ? this.partitions[Number(id)] : undefined;
  }

  /** The configured spelling of a consumer group, matched case-insensitively (docs/protocol/eventhubs.md §6.1). */
  consumerGroup(name: string): string | undefined {
    return this.definition.consumerGroups.get(name.toLowerCase());
  }

  route(partitionKey: string | undefined): Partition {
    if (partitionKey !== undefined) return this.partitions[partitionForKey(partitionKey, this.partitions.length)]!;
    const partition = this.partitions[this.nextRoundRobin % this.partitions.length]!;
    this.nextRoundRobin = (this.nextRoundRobin + 1) % this.partitions.length;
    return partition;
  }
}

export class EventHubsNamespace {
  private readonly hubs = new Map<string, Hub>();
  private readonly retentionTimer: ReturnType<typeof setInterval>;

  private readonly dataDir: EventHubsDataDir | undefined;

  constructor(readonly definition: NamespaceDefinition, dataDir?: string | EventHubsDataDir, options: NamespaceOptions = {}) {
    // The data dir is locked first (log/data-dir-lock.ts) and released if loading fails.
    this.dataDir = typeof dataDir === 'string' ? new EventHubsDataDir(dataDir) : dataDir;
    try {
      for (const hub of definition.hubs) this.hubs.set(hub.name.toLowerCase(), new Hub(hub, this.dataDir, options));
    } catch (error) {
      this.dataDir?.close();
      throw error;
    }
    this.retentionTimer = setInterval(() => this.enforceRetention(), 60_000);
    this.retentionTimer.unref();
  }

  get name(): string {
    return this.definition.namespace;
  }

  hub(name: string): Hub | undefined {
    return this.hubs.get(name.toLowerCase());
  }

  hubNames(): string[] {
    return [...this.hubs.values()].map((hub) => hub.name);
  }

  enforceRetention(now = Date.now()): number {
    let dropped = 0;
    for (const hub of this.hubs.values()) for (const partition of hub.partitions) dropped += partition.enforceRetention(now);
    return dropped;
  }

  close(): void {
    clearInterval(this.retentionTimer);
    for (const hub of this.hubs.values()) for (const partition of hub.partitions) partition.log.close();
    this.dataDir?.close();
  }
}
