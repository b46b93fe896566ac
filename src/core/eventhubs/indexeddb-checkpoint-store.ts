import type { Checkpoint, CheckpointStore, PartitionOwnership } from '@azure/event-hubs';
import { describeValue } from '../errors.js';
import { randomEtag, requireName, scopeOf } from './checkpoint-scope.js';
import { clockOf, type NowOption, type RuntimeOption } from '../runtime.js';
import { openCheckpointDatabase, runTransaction, type CheckpointDatabase } from './indexeddb-database.js';

// A CheckpointStore on IndexedDB, so a page's consumer resumes after a reload and two tabs of one
// consumer group split the partitions instead of both owning one. It keeps the blob store's rules
// (docs/protocol/eventhubs.md §11.2): names lowercased per namespace/hub/consumer group; a claim
// with an etag wins only if the entry still has it (If-Match), a claim without one only if nobody
// has an entry yet (If-None-Match: *); a lost claim is left out of the returned list.
//
// Each claim is read, compared and written inside ONE readwrite transaction: IndexedDB runs
// readwrite transactions on the same object store one at a time, across every connection of the
// origin, so that transaction is the compare-and-set (https://w3c.github.io/IndexedDB/#transaction-scheduling).
// Where the Web Locks API exists the transaction also runs under an exclusive lock, which makes
// the exclusion across tabs explicit instead of resting on each engine's scheduler alone.

export interface IndexedDbCheckpointStoreOptions extends RuntimeOption {
  /** The IndexedDB database (default `azure-realtime-eventhubs-checkpoints`); one per origin is enough. */
  databaseName?: string;
  /** The IndexedDB factory (default `globalThis.indexedDB`). */
  indexedDB?: IDBFactory;
  /** The Web Locks manager (default `navigator.locks` where present); `false` = the transaction alone. */
  locks?: Pick<LockManager, 'request'> | false;
  /** Clock in ms for `lastModifiedTimeInMs` (tests). */
  now?: NowOption;
}

/** The SDK's CheckpointStore, plus `close()` for the database connection (it reopens on next use). */
export interface IndexedDbCheckpointStore extends CheckpointStore {
  close(): void;
}

interface StoredOwnership {
  scope: string;
  partitionId: string;
  ownerId: string;
  etag: string;
  lastModifiedTimeInMs: number;
}

interface StoredCheckpoint {
  scope: string;
  partitionId: string;
  sequenceNumber: number;
  offset: string;
}

const DEFAULT_DATABASE = 'azure-realtime-eventhubs-checkpoints';

// Every key under one scope: [scope] sorts before [scope, id], and any array after any string.
const scopeRange = (scope: string) => IDBKeyRange.bound([scope], [scope, []]);

/** Every row of one store under one scope. */
function readScope(database: CheckpointDatabase, store: 'ownership' | 'checkpoints', scope: string): Promise<unknown[]> {
  return runTransaction(database, store, 'readonly', (objects) => {
    const read = objects.getAll(scopeRange(scope));
    return () => read.result as unknown[];
  });
}

// An entry someone else wrote badly (or an older format) reads as absent, so the next claim or
// checkpoint overwrites it instead of blocking the partition for good.
function asOwnership(value: unknown): StoredOwnership | undefined {
  const v = value as Partial<StoredOwnership> | undefined;
  return typeof v === 'object' && v !== null && typeof v.ownerId === 'string' && typeof v.etag === 'string' && typeof v.lastModifiedTimeInMs === 'number' && typeof v.partitionId === 'string'
    ? (v as StoredOwnership)
    : undefined;
}

function asCheckpoint(value: unknown): StoredCheckpoint | undefined {
  const v = value as Partial<StoredCheckpoint> | undefined;
  return typeof v === 'object' && v !== null && Number.isInteger(v.sequenceNumber) && typeof v.offset === 'string' && typeof v.partitionId === 'string' ? (v as StoredCheckpoint) : undefined;
}


function defaultLocks(): Pick<LockManager, 'request'> | undefined {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  return typeof locks?.request === 'function' ? locks : undefined;
}

export function createIndexedDbCheckpointStore(options: IndexedDbCheckpointStoreOptions = {}): IndexedDbCheckpointStore {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory || typeof factory.open !== 'function') throw new TypeError(`expected an IndexedDB factory (options.indexedDB or globalThis.indexedDB), got ${describeValue(factory)}`);
  const databaseName = options.databaseName ?? DEFAULT_DATABASE;
  requireName('databaseName', databaseName);
  const locks = options.locks === false ? undefined : (options.locks ?? defaultLocks());
  const lockName = `azure-realtime-eventhubs-checkpoints:${databaseName}`;
  const now = clockOf(options);
  const database: CheckpointDatabase = openCheckpointDatabase(factory, databaseName);

  const exclusive = <T>(body: () => Promise<T>): Promise<T> => (locks ? (locks.request(lockName, { mode: 'exclusive' }, body) as Promise<T>) : body());

  // Claims one at a time within the transaction (the next get is placed in the previous one's
  // callback), so a batch naming one partition twice sees its own first write.
  const claimAll = (requests: PartitionOwnership[]) =>
    runTransaction(database, 'ownership', 'readwrite', (store) => {
      const claimed: PartitionOwnership[] = [];
      const claimNext = (index: number): void => {
        const request = requests[index];
        if (!request) return;
        const scope = scopeOf(request.fullyQualifiedNamespace, request.eventHubName, request.consumerGroup);
        const read = store.get([scope, request.partitionId]);
        read.onsuccess = () => {
          const current = asOwnership(read.result);
          // If-Match: <etag> when the claimant saw one, If-None-Match: * when it saw none.
          if (request.etag ? current?.etag === request.etag : current === undefined) {
            const stored: StoredOwnership = { scope, partitionId: request.partitionId, ownerId: request.ownerId, etag: randomEtag(), lastModifiedTimeInMs: now() };
            store.put(stored);
            claimed.push({ ...request, ownerId: stored.ownerId, etag: stored.etag, lastModifiedTimeInMs: stored.lastModifiedTimeInMs });
          }
          claimNext(index + 1);
        };
      };
      claimNext(0);
      return () => claimed;
    });

  return {
    async listOwnership(fullyQualifiedNamespace, eventHubName, consumerGroup) {
      const rows = await readScope(database, 'ownership', scopeOf(fullyQualifiedNamespace, eventHubName, consumerGroup));
      return rows.flatMap((row) => {
        const stored = asOwnership(row);
        if (!stored) return [];
        const { partitionId, ownerId, etag, lastModifiedTimeInMs } = stored;
        return [{ fullyQualifiedNamespace, eventHubName, consumerGroup, partitionId, ownerId, etag, lastModifiedTimeInMs }];
      });
    },

    async claimOwnership(requests: PartitionOwnership[]) {
      if (!Array.isArray(requests)) throw new TypeError(`expected an array of ownership requests, got ${describeValue(requests)}`);
      for (const request of requests) {
        scopeOf(request?.fullyQualifiedNamespace, request?.eventHubName, request?.consumerGroup);
        requireName('partitionId', request.partitionId);
        // An empty ownerId is the SDK giving the partition up as it closes (eventProcessor.js).
        if (typeof request.ownerId !== 'string') throw new TypeError(`expected ownerId as a string, got ${describeValue(request.ownerId)}`);
      }
      if (requests.length === 0) return [];
      return exclusive(() => claimAll(requests));
    },

    async listCheckpoints(fullyQualifiedNamespace, eventHubName, consumerGroup) {
      const rows = await readScope(database, 'checkpoints', scopeOf(fullyQualifiedNamespace, eventHubName, consumerGroup));
      return rows.flatMap((row) => {
        const stored = asCheckpoint(row);
        return stored ? [{ fullyQualifiedNamespace, eventHubName, consumerGroup, partitionId: stored.partitionId, sequenceNumber: stored.sequenceNumber, offset: stored.offset }] : [];
      });
    },

    async updateCheckpoint(checkpoint: Checkpoint) {
      if (!Number.isInteger(checkpoint?.sequenceNumber)) throw new TypeError(`expected checkpoint.sequenceNumber as an integer, got ${describeValue(checkpoint?.sequenceNumber)}`);
      if (typeof checkpoint.offset !== 'string') throw new TypeError(`expected checkpoint.offset as a string, got ${describeValue(checkpoint.offset)}`);
      const scope = scopeOf(checkpoint.fullyQualifiedNamespace, checkpoint.eventHubName, checkpoint.consumerGroup);
      const stored: StoredCheckpoint = { scope, partitionId: requireName('partitionId', checkpoint.partitionId), sequenceNumber: checkpoint.sequenceNumber, offset: checkpoint.offset };
      await runTransaction(database, 'checkpoints', 'readwrite', (store) => {
        store.put(stored);
        return () => undefined;
      });
    },

    close: () => database.close(),
  };
}
