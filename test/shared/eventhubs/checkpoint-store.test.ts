import { earliestEventPosition, type CheckpointStore, type PartitionOwnership } from '@azure/event-hubs';
import { describe, expect, it } from 'vitest';
import { createEventHubConsumerClient, createEventHubProducerClient, createWebStorageCheckpointStore, type WebStorageLike } from '../../../src/core/eventhubs/index.js';
import { closeAfterAll, connectionString, greedy, hub, inBrowser, positionsAfterNow, readTagged, runId } from './helpers.js';

// The Web Storage checkpoint store: blob-store claim rules on a Map (both runtimes) and on the
// browser's real sessionStorage, then the official consumer resuming from it against the emulator.

class MapStorage implements WebStorageLike {
  readonly entries = new Map<string, string>();
  get length() {
    return this.entries.size;
  }
  key(index: number) {
    return [...this.entries.keys()][index] ?? null;
  }
  getItem(key: string) {
    return this.entries.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.entries.set(key, String(value));
  }
}

const storages: Array<[string, () => WebStorageLike]> = [['a Map', () => new MapStorage()]];
if (inBrowser) storages.push(['sessionStorage', () => (globalThis as unknown as { sessionStorage: WebStorageLike }).sessionStorage]);

const ownership = (partitionId: string, ownerId: string, etag?: string): PartitionOwnership => ({
  fullyQualifiedNamespace: 'Localhost:5672',
  eventHubName: 'EH1',
  consumerGroup: '$Default',
  partitionId,
  ownerId,
  ...(etag ? { etag } : {}),
});

describe.each(storages)('createWebStorageCheckpointStore on %s', (_label, makeStorage) => {
  const fresh = () => createWebStorageCheckpointStore(makeStorage(), { prefix: `${runId()}:`, now: () => 1_700_000_000_000 });

  it('claims an unowned partition once; a second claim without the etag loses, one with it wins', async () => {
    const store = fresh();
    const [first] = await store.claimOwnership([ownership('0', 'tab-a')]);
    expect(first).toMatchObject({ partitionId: '0', ownerId: 'tab-a', lastModifiedTimeInMs: 1_700_000_000_000 });
    expect(first!.etag).toMatch(/^[0-9a-f]{24}$/);
    expect(await store.claimOwnership([ownership('0', 'tab-b')])).toEqual([]);
    expect(await store.claimOwnership([ownership('0', 'tab-b', 'stale-etag')])).toEqual([]);
    const [stolen] = await store.claimOwnership([ownership('0', 'tab-b', first!.etag)]);
    expect(stolen).toMatchObject({ ownerId: 'tab-b' });
    expect(stolen!.etag).not.toBe(first!.etag);
    const listed = await store.listOwnership('localhost:5672', 'eh1', '$default');
    expect(listed).toEqual([expect.objectContaining({ partitionId: '0', ownerId: 'tab-b', etag: stolen!.etag })]);
    expect(await store.listOwnership('localhost:5672', 'eh2', '$default')).toEqual([]);
  });

  it('keeps checkpoints per namespace, hub and consumer group, and overwrites them', async () => {
    const store = fresh();
    const base = { fullyQualifiedNamespace: 'localhost:5672', eventHubName: 'eh1', consumerGroup: '$Default' };
    await store.updateCheckpoint({ ...base, partitionId: '1', sequenceNumber: 4, offset: '400' });
    await store.updateCheckpoint({ ...base, partitionId: '1', sequenceNumber: 9, offset: '900' });
    await store.updateCheckpoint({ ...base, consumerGroup: 'other', partitionId: '1', sequenceNumber: 1, offset: '100' });
    expect(await store.listCheckpoints('localhost:5672', 'eh1', '$Default')).toEqual([{ ...base, partitionId: '1', sequenceNumber: 9, offset: '900' }]);
    await expect(store.updateCheckpoint({ ...base, partitionId: '1', sequenceNumber: Number.NaN, offset: '1' })).rejects.toThrow(TypeError);
    await expect(store.listCheckpoints('', 'eh1', '$Default')).rejects.toThrow(TypeError);
  });

  it('reads a malformed entry as absent, so the next claim replaces it', async () => {
    const storage = makeStorage();
    const prefix = `${runId()}:`;
    storage.setItem(`${prefix}localhost:5672/eh1/$default/ownership/2`, '{not json');
    storage.setItem(`${prefix}localhost:5672/eh1/$default/checkpoint/2`, JSON.stringify({ sequenceNumber: 'x' }));
    const store = createWebStorageCheckpointStore(storage, { prefix });
    expect(await store.listOwnership('localhost:5672', 'eh1', '$Default')).toEqual([]);
    expect(await store.listCheckpoints('localhost:5672', 'eh1', '$Default')).toEqual([]);
    expect(await store.claimOwnership([ownership('2', 'tab-a')])).toHaveLength(1);
  });
});

it('refuses something that is not a Web Storage', () => {
  expect(() => createWebStorageCheckpointStore({} as WebStorageLike)).toThrow(TypeError);
});

describe('the official consumer with the Web Storage store, against the emulator', () => {
  const track = closeAfterAll();

  const consumerWith = async (store: CheckpointStore) => {
    return track(await createEventHubConsumerClient('$Default', connectionString, hub, store, greedy));
  };

  it('claims every partition through the store, and a second consumer resumes right after the first one checkpointed', async () => {
    const producer = track(await createEventHubProducerClient(connectionString, hub));
    const storage = new MapStorage();
    const store = createWebStorageCheckpointStore(storage, { prefix: `${runId()}:` });
    const run = runId();

    const first = await consumerWith(store);
    // What the SDK passes to the store: the host without the port for this emulator (SDK 6.0.4).
    const namespace = first.fullyQualifiedNamespace;
    const reading = readTagged(first, run, 3, await positionsAfterNow(first), { checkpoint: true });
    await producer.sendBatch(['a', 'b', 'c'].map((body) => ({ body, properties: { run } })), { partitionId: '0' });
    const firstEvents = await reading;
    expect(firstEvents.map((event) => event.body)).toEqual(['a', 'b', 'c']);
    expect([...storage.entries.keys()].filter((key) => key.includes('/ownership/'))).toHaveLength(4);
    const owners = await store.listOwnership(namespace, hub, '$Default');
    expect(owners.map((o) => o.partitionId).sort()).toEqual(['0', '1', '2', '3']);
    const checkpoints = await store.listCheckpoints(namespace, hub, '$Default');
    expect(checkpoints.find((c) => c.partitionId === '0')?.sequenceNumber).toBeGreaterThanOrEqual(firstEvents[2]!.sequenceNumber);
    await first.close();
    // Closing gives the partitions up (empty ownerId), so the next consumer claims them at once.
    expect((await store.listOwnership(namespace, hub, '$Default')).every((o) => o.ownerId === '')).toBe(true);

    await producer.sendBatch(['d', 'e'].map((body) => ({ body, properties: { run } })), { partitionId: '0' });
    // Earliest where no checkpoint exists: had partition 0's checkpoint been ignored, a, b, c would come again.
    const second = await readTagged(await consumerWith(store), run, 2, earliestEventPosition);
    expect(second.map((event) => event.body)).toEqual(['d', 'e']);
  });
});
