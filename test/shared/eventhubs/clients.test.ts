import { describe, expect, it } from 'vitest';
import { createEventHubConsumerClient, createEventHubProducerClient } from '../../../src/core/eventhubs/index.js';
import { closeAfterAll, connectionString, greedy, hub, inBrowser, positionsAfterNow, receiveTagged, runId } from './helpers.js';

// The official clients built by our factories, against the emulator: TCP in Node, ws:// in
// Chromium (the SDK's wss:// downgraded for the emulator's host:port only).

const track = closeAfterAll();

describe(`Event Hubs factories against the emulator (${inBrowser ? 'browser, ws://' : 'Node, TCP'})`, () => {
  it('sends a batch and receives every event of it with subscribe, bodies and properties intact', async () => {
    const producer = track(await createEventHubProducerClient(connectionString, hub));
    const consumer = track(await createEventHubConsumerClient('$Default', connectionString, hub, undefined, greedy));
    const run = runId();
    const start = await positionsAfterNow(producer);
    const receiving = receiveTagged(consumer, run, 12, start);

    const batch = await producer.createBatch();
    for (let i = 0; i < 12; i++) {
      expect(batch.tryAdd({ body: { i, text: `event ${i}` }, properties: { run, i } })).toBe(true);
    }
    await producer.sendBatch(batch);

    const received = await receiving.done;
    await receiving.close();
    expect(received.map((event) => (event.body as { i: number }).i).sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
    expect(received.every((event) => (event.body as { text: string }).text === `event ${event.properties?.i}`)).toBe(true);
    expect(received.every((event) => typeof event.sequenceNumber === 'number' && event.enqueuedTimeUtc instanceof Date)).toBe(true);
  });

  it('sends to an explicit partition and by partition key; the consumer sees each where it was put', async () => {
    const producer = track(await createEventHubProducerClient(connectionString, hub));
    const consumer = track(await createEventHubConsumerClient('$Default', connectionString, hub, undefined, greedy));
    const run = runId();
    const start = await positionsAfterNow(consumer);
    const receiving = receiveTagged(consumer, run, 4, start);

    await producer.sendBatch([{ body: 'p2-a', properties: { run } }, { body: 'p2-b', properties: { run } }], { partitionId: '2' });
    await producer.sendBatch([{ body: 'k-a', properties: { run } }, { body: 'k-b', properties: { run } }], { partitionKey: 'sensor-7' });

    const received = await receiving.done;
    await receiving.close();
    const onTwo = received.filter((event) => String(event.body).startsWith('p2-'));
    expect(onTwo.map((event) => event.body)).toEqual(['p2-a', 'p2-b']);
    const keyed = received.filter((event) => String(event.body).startsWith('k-'));
    expect(keyed.map((event) => event.partitionKey)).toEqual(['sensor-7', 'sensor-7']);
  });

  it('reads hub and partition properties', async () => {
    const producer = track(await createEventHubProducerClient(connectionString, hub));
    const properties = await producer.getEventHubProperties();
    expect(properties.name).toBe(hub);
    expect(properties.partitionIds).toEqual(['0', '1', '2', '3']);
    const partition = await producer.getPartitionProperties('1');
    expect(partition).toMatchObject({ eventHubName: hub, partitionId: '1' });
    expect(typeof partition.lastEnqueuedSequenceNumber).toBe('number');
  });

  it('takes the hub name from EntityPath when no eventHubName is given', async () => {
    const producer = track(await createEventHubProducerClient(`${connectionString};EntityPath=${hub}`));
    expect((await producer.getEventHubProperties()).name).toBe(hub);
  });

  it('rejects bad input with typed errors instead of throwing', async () => {
    await expect(createEventHubProducerClient('Endpoint=nonsense', hub)).rejects.toMatchObject({ code: 'invalid_connection_string' });
    await expect(createEventHubConsumerClient('', connectionString, hub)).rejects.toThrow(TypeError);
    await expect(createEventHubProducerClient({ fullyQualifiedNamespace: '', credential: { keyName: 'a', key: 'b' } }, hub)).rejects.toThrow(TypeError);
    await expect(createEventHubProducerClient({ fullyQualifiedNamespace: 'ns.servicebus.windows.net', credential: { keyName: 'a', key: 'b' } })).rejects.toThrow(/eventHubName/);
  });
});
