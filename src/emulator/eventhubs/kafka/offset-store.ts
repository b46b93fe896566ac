import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

// Committed offsets of Kafka consumer groups. With a data directory they are kept in one JSON
// file, rewritten whole to a temporary name and renamed over the old one, so a crash leaves
// either the previous or the new state, never half of one. The name starts with "." so it can
// never be a hub's directory (hub names start with a letter, digit or "$").

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
}

type Saved = Record<string, Record<string, Record<string, CommittedOffset>>>;

export const OFFSETS_FILE = '.kafka-consumer-offsets.json';

/**
 * What the store may hold. Every commit rewrites the whole file, and maxGroups × every partition
 * of every hub × 4 KB of metadata has no useful bound (2,000 groups' worth already made each
 * commit block the event loop for 150 ms): entries and metadata characters are capped instead.
 */
export interface OffsetStoreLimits {
  /** Committed (group, topic, partition) entries; default 100,000. */
  maxEntries: number;
  /** Metadata characters over all entries; default 4 Mi (clients rarely send any). */
  maxMetadataChars: number;
}

export const DEFAULT_OFFSET_STORE_LIMITS: OffsetStoreLimits = { maxEntries: 100_000, maxMetadataChars: 4 * 1024 * 1024 };

/** Why an entry was not stored: the store is full, or its metadata does not fit. */
export type CommitRefusal = 'full' | 'metadata';

export class OffsetStore {
  private readonly groups = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  private readonly file: string | undefined;
  private entries = 0;
  private metadataChars = 0;

  constructor(
    dataDir: string | undefined,
    private readonly limits: OffsetStoreLimits = DEFAULT_OFFSET_STORE_LIMITS,
  ) {
    this.file = dataDir ? join(dataDir, OFFSETS_FILE) : undefined;
    if (!this.file) return;
    let saved: Saved;
    try {
      saved = JSON.parse(readFileSync(this.file, 'utf8')) as Saved;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new Error(`Event Hubs emulator: could not read Kafka offsets from ${this.file}: ${(error as Error).message}`);
    }
    for (const [group, topics] of Object.entries(saved)) {
      for (const [topic, partitions] of Object.entries(topics)) {
        for (const [partition, committed] of Object.entries(partitions)) this.put(group, topic, Number(partition), committed, false);
      }
    }
  }

  /** Stores one entry (what was loaded from disk always fits), or says why not. */
  private put(group: string, topic: string, partition: number, committed: CommittedOffset, bounded = true): CommitRefusal | undefined {
    const previous = this.get(group, topic, partition);
    const metadataChars = this.metadataChars - (previous?.metadata?.length ?? 0) + (committed.metadata?.length ?? 0);
    if (bounded && !previous && this.entries >= this.limits.maxEntries) return 'full';
    if (bounded && metadataChars > this.limits.maxMetadataChars && (committed.metadata?.length ?? 0) > 0) return 'metadata';
    let topics = this.groups.get(group);
    if (!topics) this.groups.set(group, (topics = new Map()));
    let partitions = topics.get(topic);
    if (!partitions) topics.set(topic, (partitions = new Map()));
    partitions.set(partition, committed);
    if (!previous) this.entries++;
    this.metadataChars = metadataChars;
    return undefined;
  }

  /** Stores the entries that fit and writes the file once; per entry, undefined or why it was refused. */
  commit(group: string, entries: Array<{ topic: string; partition: number; committed: CommittedOffset }>): Array<CommitRefusal | undefined> {
    const outcomes = entries.map((entry) => this.put(group, entry.topic, entry.partition, entry.committed));
    if (outcomes.some((outcome) => outcome === undefined)) this.save();
    return outcomes;
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(group)?.get(topic)?.get(partition);
  }

  /** Every committed partition of a group, for OffsetFetch with topics = null. */
  all(group: string): Array<{ topic: string; partitions: number[] }> {
    return [...(this.groups.get(group) ?? new Map<string, Map<number, CommittedOffset>>())].map(([topic, partitions]) => ({
      topic,
      partitions: [...partitions.keys()].sort((a, b) => a - b),
    }));
  }

  has(group: string): boolean {
    return this.groups.has(group);
  }

  groupCount(): number {
    return this.groups.size;
  }

  private save(): void {
    if (!this.file) return;
    const saved: Saved = {};
    for (const [group, topics] of this.groups) {
      saved[group] = {};
      for (const [topic, partitions] of topics) saved[group][topic] = Object.fromEntries(partitions);
    }
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, JSON.stringify(saved));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.file);
  }
}
