import type { PartitionOwnership } from '@azure/event-hubs';
import { afterEach, describe, expect, it } from 'vitest';
import { createIndexedDbCheckpointStore, type IndexedDbCheckpointStore, type IndexedDbCheckpointStoreOptions } from '../../../src/core/eventhubs/index.js';
import { inBrowser, runId } from './helpers.js';

// The IndexedDB checkpoint store in Chromium (the browser project): the blob store's claim rules,
// two store instances (two connections, as two tabs have) racing for the same partitions with and
// without Web Locks, checkpoints, and data that outlives the connection (a reload).

const base = { fullyQualifiedNamespace: 'Localhost:5672', eventHubName: 'EH1', consumerGroup: '$Default' };
const ownership = (partitionId: string, ownerId: string, etag?: string): PartitionOwnership => ({ ...base, partitionId, ownerId, ...(etag ? { etag } : {}) });

it('refuses to start without an IndexedDB factory', () => {
  expect(() => createIndexedDbCheckpointStore({ indexedDB: {} as IDBFactory })).toThrow(TypeError);
  if (!inBrowser) expect(() => createIndexedDbCheckpointStore()).toThrow(/expected an IndexedDB factory/);
  else expect(() => createIndexedDbCheckpointStore({ databaseName: '' })).toThrow(TypeError);
});

const modes: Array<[string, Pick<IndexedDbCheckpointStoreOptions, 'locks'>]> = [
  ['under Web Locks', {}],
  ['on the transaction alone (no Web Locks)', { locks: false }],
];

describe.skipIf(!inBrowser).each(modes)('createIndexedDbCheckpointStore %s', (_label, lockOption) => {
  const opened: IndexedDbCheckpointStore[] = [];
  const names: string[] = [];
  const database = () => {
    const name = `checkpoints-test-${runId()}`;
    names.push(name);
    return name;
  };
  const storeOn = (databaseName: string, options: IndexedDbCheckpointStoreOptions = {}) => {
    const store = createIndexedDbCheckpointStore({ databaseName, ...lockOption, ...options });
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of opened.splice(0)) store.close();
    await Promise.all(names.splice(0).map((name) => new Promise((resolve) => (indexedDB.deleteDatabase(name).onsuccess = resolve))));
  });

  it('uses Web Locks exactly when they are on', async () => {
    expect(typeof navigator.locks?.request).toBe('function');
    const requested: string[] = [];
    const locks = { request: ((name: string, options: LockOptions, body: () => Promise<unknown>) => (requested.push(name), navigator.locks.request(name, options, body))) as LockManager['request'] };
    const store = storeOn(database(), lockOption.locks === false ? {} : { locks });
    await store.claimOwnership([ownership('0', 'a')]);
    expect(requested).toHaveLength(lockOption.locks === false ? 0 : 1);
  });

  it('claims an unowned partition once; a claim without the etag or with a stale one loses, one with it wins', async () => {
    const store = storeOn(database(), { now: () => 1_700_000_000_000 });
    const [first] = await store.claimOwnership([ownership('0', 'tab-a')]);
    expect(first).toMatchObject({ partitionId: '0', ownerId: 'tab-a', lastModifiedTimeInMs: 1_700_000_000_000 });
    expect(first!.etag).toMatch(/^[0-9a-f]{24}$/);
    expect(await store.claimOwnership([ownership('0', 'tab-b')])).toEqual([]);
    expect(await store.claimOwnership([ownership('0', 'tab-b', 'stale-etag')])).toEqual([]);
    const [stolen] = await store.claimOwnership([ownership('0', 'tab-b', first!.etag)]);
    expect(stolen).toMatchObject({ ownerId: 'tab-b' });
    expect(stolen!.etag).not.toBe(first!.etag);
    // The old etag is spent: tab A cannot take it back with what it saw.
    expect(await store.claimOwnership([ownership('0', 'tab-a', first!.etag)])).toEqual([]);
    expect(await store.listOwnership('localhost:5672', 'eh1', '$default')).toEqual([
      { fullyQualifiedNamespace: 'localhost:5672', eventHubName: 'eh1', consumerGroup: '$default', partitionId: '0', ownerId: 'tab-b', etag: stolen!.etag, lastModifiedTimeInMs: 1_700_000_000_000 },
    ]);
    expect(await store.listOwnership('localhost:5672', 'eh2', '$default')).toEqual([]);
    expect(await store.listOwnership('localhost:5672', 'eh1', 'other')).toEqual([]);
  });

  it('refuses a claim with an etag for a partition nobody has claimed (If-Match on a missing blob)', async () => {
    const store = storeOn(database());
    expect(await store.claimOwnership([ownership('1', 'tab-a', 'made-up')])).toEqual([]);
    expect(await store.listOwnership(base.fullyQualifiedNamespace, base.eventHubName, base.consumerGroup)).toEqual([]);
  });

  it('lets the owner give a partition up with an empty ownerId, and a batch naming one partition twice wins once', async () => {
    const store = storeOn(database());
    const [mine] = await store.claimOwnership([ownership('2', 'tab-a')]);
    const [given] = await store.claimOwnership([ownership('2', '', mine!.etag)]);
    expect(given).toMatchObject({ partitionId: '2', ownerId: '' });
    const claimed = await store.claimOwnership([ownership('2', 'tab-b', given!.etag), ownership('2', 'tab-c', given!.etag), ownership('3', 'tab-b')]);
    expect(claimed.map((c) => `${c.partitionId}:${c.ownerId}`)).toEqual(['2:tab-b', '3:tab-b']);
  });

  it('lets exactly one of two stores (two connections, like two tabs) win each contested claim', async () => {
    const name = database();
    const [a, b] = [storeOn(name), storeOn(name)];
    const partitions = Array.from({ length: 16 }, (_, i) => String(i));
    const race = async (etags: Map<string, string | undefined>) => {
      const calls = partitions.flatMap((id) => [
        a.claimOwnership([ownership(id, 'tab-a', etags.get(id))]),
        b.claimOwnership([ownership(id, 'tab-b', etags.get(id))]),
      ]);
      return (await Promise.all(calls)).flat();
    };
    // Nobody owns anything yet (If-None-Match), then both try to steal with the same etag (If-Match).
    const fresh = await race(new Map());
    const steal = await race(new Map(fresh.map((o) => [o.partitionId, o.etag])));
    for (const round of [fresh, steal]) {
      expect(round.map((o) => o.partitionId).sort()).toEqual([...partitions].sort());
    }
    const listed = await b.listOwnership(base.fullyQualifiedNamespace, base.eventHubName, base.consumerGroup);
    expect(new Map(listed.map((o) => [o.partitionId, `${o.ownerId} ${o.etag}`]))).toEqual(new Map(steal.map((o) => [o.partitionId, `${o.ownerId} ${o.etag}`])));
  });

  it('keeps checkpoints per namespace, hub and consumer group, and overwrites them', async () => {
    const store = storeOn(database());
    await store.updateCheckpoint({ ...base, partitionId: '1', sequenceNumber: 4, offset: '400' });
    await store.updateCheckpoint({ ...base, partitionId: '1', sequenceNumber: 9, offset: '900' });
    await store.updateCheckpoint({ ...base, partitionId: '0', sequenceNumber: 0, offset: '0' });
    await store.updateCheckpoint({ ...base, consumerGroup: 'other', partitionId: '1', sequenceNumber: 1, offset: '100' });
    const listed = await store.listCheckpoints('localhost:5672', 'eh1', '$Default');
    expect(listed).toEqual([
      { fullyQualifiedNamespace: 'localhost:5672', eventHubName: 'eh1', consumerGroup: '$Default', partitionId: '0', sequenceNumber: 0, offset: '0' },
      { fullyQualifiedNamespace: 'localhost:5672', eventHubName: 'eh1', consumerGroup: '$Default', partitionId: '1', sequenceNumber: 9, offset: '900' },
    ]);
    await expect(store.updateCheckpoint({ ...base, partitionId: '1', sequenceNumber: Number.NaN, offset: '1' })).rejects.toThrow(TypeError);
    await expect(store.updateCheckpoint({ ...base, partitionId: '1', sequenceNumber: 1, offset: 1 as unknown as string })).rejects.toThrow(TypeError);
    await expect(store.listCheckpoints('', 'eh1', '$Default')).rejects.toThrow(TypeError);
    await expect(store.claimOwnership([{ ...ownership('1', 'x'), partitionId: '' }])).rejects.toThrow(TypeError);
  });

  it('keeps ownership and checkpoints after the connection closes (a reload), read by a new store', async () => {
    const name = database();
    const before = storeOn(name);
    const [claim] = await before.claimOwnership([ownership('3', 'tab-a')]);
    await before.updateCheckpoint({ ...base, partitionId: '3', sequenceNumber: 41, offset: '4100' });
    before.close();
    const after = storeOn(name);
    expect(await after.listOwnership(base.fullyQualifiedNamespace, base.eventHubName, base.consumerGroup)).toEqual([expect.objectContaining({ partitionId: '3', ownerId: 'tab-a', etag: claim!.etag })]);
    expect(await after.listCheckpoints(base.fullyQualifiedNamespace, base.eventHubName, base.consumerGroup)).toEqual([expect.objectContaining({ partitionId: '3', sequenceNumber: 41, offset: '4100' })]);
    // The closed store opens a new connection on its next call.
    expect(await before.listCheckpoints(base.fullyQualifiedNamespace, base.eventHubName, base.consumerGroup)).toHaveLength(1);
  });

  it('reads a malformed entry as absent, so the next claim replaces it', async () => {
    const name = database();
    const store = storeOn(name);
    await store.listOwnership(base.fullyQualifiedNamespace, base.eventHubName, base.consumerGroup); // creates the database
    const db = await new Promise<IDBDatabase>((resolve) => (indexedDB.open(name).onsuccess = (event) => resolve((event.target as IDBOpenDBRequest).result)));
    await new Promise((resolve) => {
      const tx = db.transaction(['ownership', 'checkpoints'], 'readwrite');
      tx.objectStore('ownership').put({ scope: 'localhost:5672/eh1/$default', partitionId: '2', ownerId: 7 });
      tx.objectStore('checkpoints').put({ scope: 'localhost:5672/eh1/$default', partitionId: '2', sequenceNumber: 'x', offset: '1' });
      tx.oncomplete = resolve;
    });
    db.close();
    expect(await store.listOwnership(base.fullyQualifiedNamespace, base.eventHubName, base.consumerGroup)).toEqual([]);
    expect(await store.listCheckpoints(base.fullyQualifiedNamespace, base.eventHubName, base.consumerGroup)).toEqual([]);
    expect(await store.claimOwnership([ownership('2', 'tab-a')])).toHaveLength(1);
  });
});
