import { RealtimeError } from '../errors.js';

// The IndexedDB plumbing under indexeddb-checkpoint-store.ts: one lazily opened connection per
// store object (reopened after close(), a version change from another tab, or the browser closing
// it), and transactions as promises that settle when the transaction completes, so a resolved
// write is committed.

const VERSION = 1;
export type CheckpointObjectStore = 'ownership' | 'checkpoints';

export interface CheckpointDatabase {
  connection(): Promise<IDBDatabase>;
  close(): void;
}

function failure(operation: string, error: unknown): RealtimeError {
  const name = (error as { name?: string } | null)?.name ?? 'UnknownError';
  return new RealtimeError('unavailable', `IndexedDB ${operation} failed: ${name}`, { cause: error });
}

export function openCheckpointDatabase(factory: IDBFactory, name: string): CheckpointDatabase {
  let opening: Promise<IDBDatabase> | undefined;
  // Forget this connection (the next call opens again) unless a newer one replaced it already.
  const forget = (mine: Promise<IDBDatabase>) => {
    if (opening === mine) opening = undefined;
  };
  const open = (): Promise<IDBDatabase> => {
    const mine: Promise<IDBDatabase> = new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(name, VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        // [scope, partitionId] keys: one range query lists a namespace/hub/consumer group.
        for (const store of ['ownership', 'checkpoints'] as const) {
          if (!db.objectStoreNames.contains(store)) db.createObjectStore(store, { keyPath: ['scope', 'partitionId'] });
        }
      };
      request.onsuccess = () => {
        const db = request.result;
        // Step aside for another tab's upgrade or deleteDatabase.
        db.onversionchange = () => {
          db.close();
          forget(mine);
        };
        db.onclose = () => forget(mine);
        resolve(db);
      };
      request.onerror = () => reject(failure(`open of database "${name}"`, request.error));
    });
    mine.catch(() => forget(mine));
    return mine;
  };
  return {
    connection: () => (opening ??= open()),
    close() {
      const current = opening;
      opening = undefined;
      void current?.then(
        (db) => db.close(),
        () => undefined,
      );
    },
  };
}

/**
 * Runs `body` in one transaction on one object store. `body` places its requests synchronously (or
 * from their callbacks) and returns a function that reads the result once the transaction completed.
 */
export async function runTransaction<T>(database: CheckpointDatabase, storeName: CheckpointObjectStore, mode: IDBTransactionMode, body: (store: IDBObjectStore) => () => T): Promise<T> {
  const db = await database.connection();
  return new Promise<T>((resolve, reject) => {
    let transaction: IDBTransaction;
    try {
      transaction = db.transaction(storeName, mode);
    } catch (error) {
      // InvalidStateError: the connection closed between connection() and here (close() or versionchange).
      reject(failure(`${mode} transaction`, error));
      return;
    }
    let result: () => T;
    try {
      result = body(transaction.objectStore(storeName));
    } catch (error) {
      transaction.abort();
      reject(error);
      return;
    }
    transaction.oncomplete = () => resolve(result());
    transaction.onabort = () => reject(failure(`${mode} transaction`, transaction.error));
  });
}
