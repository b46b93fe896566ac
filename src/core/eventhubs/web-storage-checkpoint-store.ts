import type { Checkpoint, CheckpointStore, PartitionOwnership } from '@azure/event-hubs';
import { describeValue } from '../errors.js';
import { randomEtag, requireName, scopeOf } from './checkpoint-scope.js';
import { clockOf, type NowOption, type RuntimeOption } from '../runtime.js';

// A CheckpointStore over the Web Storage API (sessionStorage, localStorage, or anything with the
// same five members), so a page's consumer resumes after a reload. It follows the blob store's
// rules (docs/protocol/eventhubs.md §11.2): names lowercased per namespace/hub/consumer group; a claim names the etag
// it last saw and fails if the entry changed since, and a claim without an etag fails if someone
// already owns the partition. Web Storage has no compare-and-set across tabs, so claims
// are exact within one tab only: share a localStorage store between tabs of one consumer group
// and two tabs can both win a partition. sessionStorage (per tab) avoids that.

/** The members of `Storage` the store uses. */
export interface WebStorageLike {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface WebStorageCheckpointStoreOptions extends RuntimeOption {
  /** Prepended to every key (default `eventhubs-checkpoints:`). */
  prefix?: string;
  /** Shorthand for `runtime.now`: a clock in ms, or a fixed instant (tests). */
  now?: NowOption;
}

interface StoredOwnership {
  ownerId: string;
  etag: string;
  lastModifiedTimeInMs: number;
}

interface StoredCheckpoint {
  sequenceNumber: number;
  offset: string;
}

// A stored entry someone else wrote badly (or an older format) reads as absent: the next claim or
// checkpoint overwrites it, instead of blocking the partition for good.
function parse<T>(text: string | null, valid: (value: Record<string, unknown>) => boolean): T | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && valid(value as Record<string, unknown>) ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

const isOwnership = (v: Record<string, unknown>) => typeof v.ownerId === 'string' && typeof v.etag === 'string' && typeof v.lastModifiedTimeInMs === 'number';
const isCheckpoint = (v: Record<string, unknown>) => Number.isInteger(v.sequenceNumber) && typeof v.offset === 'string';

export function createWebStorageCheckpointStore(storage: WebStorageLike, options: WebStorageCheckpointStoreOptions = {}): CheckpointStore {
  if (!storage || typeof storage.getItem !== 'function' || typeof storage.setItem !== 'function' || typeof storage.key !== 'function') {
    throw new TypeError(`expected a Web Storage object (sessionStorage, localStorage), got ${describeValue(storage)}`);
  }
  const prefix = options.prefix ?? 'eventhubs-checkpoints:';
  const now = clockOf(options);
  const keyOf = (scope: string, kind: 'ownership' | 'checkpoint', partitionId: string) => `${prefix}${scope}/${kind}/${requireName('partitionId', partitionId)}`;

  // Partition ids under one scope and kind; Web Storage has no prefix query, so walk the keys.
  const partitionsUnder = (scope: string, kind: 'ownership' | 'checkpoint'): string[] => {
    const start = `${prefix}${scope}/${kind}/`;
    const ids: string[] = [];
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key?.startsWith(start)) ids.push(key.slice(start.length));
    }
    return ids;
  };

  return {
    async listOwnership(fullyQualifiedNamespace, eventHubName, consumerGroup) {
      const scope = scopeOf(fullyQualifiedNamespace, eventHubName, consumerGroup);
      return partitionsUnder(scope, 'ownership').flatMap((partitionId) => {
        const stored = parse<StoredOwnership>(storage.getItem(keyOf(scope, 'ownership', partitionId)), isOwnership);
        return stored ? [{ fullyQualifiedNamespace, eventHubName, consumerGroup, partitionId, ...stored }] : [];
      });
    },

    async claimOwnership(requests: PartitionOwnership[]) {
      const claimed: PartitionOwnership[] = [];
      for (const request of requests) {
        const scope = scopeOf(request.fullyQualifiedNamespace, request.eventHubName, request.consumerGroup);
        const key = keyOf(scope, 'ownership', request.partitionId);
        const current = parse<StoredOwnership>(storage.getItem(key), isOwnership);
        // If-Match: <etag> when the claimant saw one, If-None-Match: * when it saw none (docs/protocol/eventhubs.md §11.2).
        if (request.etag ? current?.etag !== request.etag : current !== undefined) continue;
        // An empty ownerId is the SDK giving the partition up as it closes (eventProcessor.js).
        if (typeof request.ownerId !== 'string') throw new TypeError(`expected ownerId as a string, got ${describeValue(request.ownerId)}`);
        const stored: StoredOwnership = { ownerId: request.ownerId, etag: randomEtag(), lastModifiedTimeInMs: now() };
        storage.setItem(key, JSON.stringify(stored));
        claimed.push({ ...request, ...stored });
      }
      return claimed;
    },

    async listCheckpoints(fullyQualifiedNamespace, eventHubName, consumerGroup) {
      const scope = scopeOf(fullyQualifiedNamespace, eventHubName, consumerGroup);
      return partitionsUnder(scope, 'checkpoint').flatMap((partitionId) => {
        const stored = parse<StoredCheckpoint>(storage.getItem(keyOf(scope, 'checkpoint', partitionId)), isCheckpoint);
        return stored ? [{ fullyQualifiedNamespace, eventHubName, consumerGroup, partitionId, sequenceNumber: stored.sequenceNumber, offset: stored.offset }] : [];
      });
    },

    async updateCheckpoint(checkpoint: Checkpoint) {
      if (!Number.isInteger(checkpoint?.sequenceNumber)) throw new TypeError(`expected checkpoint.sequenceNumber as an integer, got ${describeValue(checkpoint?.sequenceNumber)}`);
      if (typeof checkpoint.offset !== 'string') throw new TypeError(`expected checkpoint.offset as a string, got ${describeValue(checkpoint.offset)}`);
      const scope = scopeOf(checkpoint.fullyQualifiedNamespace, checkpoint.eventHubName, checkpoint.consumerGroup);
      const stored: StoredCheckpoint = { sequenceNumber: checkpoint.sequenceNumber, offset: checkpoint.offset };
      storage.setItem(keyOf(scope, 'checkpoint', checkpoint.partitionId), JSON.stringify(stored));
    },
  };
}
