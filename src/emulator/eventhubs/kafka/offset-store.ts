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

export class OffsetStore {
  private readonly groups = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  private readonly file: string | undefined;

  constructor(dataDir: string | undefined) {
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
        for (const [partition, committed] of Object.entries(partitions)) this.put(group, topic, Number(partition), committed);
      }
    }
  }

  private put(group: string, topic: string, partition: number, committed: CommittedOffset): void {
    let topics = this.groups.get(group);
    if (!topics) this.groups.set(group, (topics = new Map()));
    let partitions = topics.get(topic);
    if (!partitions) topics.set(topic, (partitions = new Map()));
    partitions.set(partition, committed);
  }

  commit(group: string, entries: Array<{ topic: string; partition: number; committed: CommittedOffset }>): void {
    for (const entry of entries) this.put(group, entry.topic, entry.partition, entry.committed);
    this.save();
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
