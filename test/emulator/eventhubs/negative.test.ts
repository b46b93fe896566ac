import { EventHubConsumerClient, EventHubProducerClient, type SubscribeOptions } from '@azure/event-hubs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSasToken } from '../../../src/core/sas.js';
import { startEventHubsEmulator, type RunningEventHubsEmulator } from '../../../src/emulator/eventhubs/index.js';

// What the official SDK sees when it gets things wrong against the emulator: the service's
// error conditions, mapped by the SDK to its error codes (note §7).

const noRetry = { retryOptions: { maxRetries: 0, timeoutInMs: 5000 } };
let emulator: RunningEventHubsEmulator;
let port: number;

beforeAll(async () => {
  emulator = await startEventHubsEmulator({
    config: { hubs: [{ name: 'eh1', partitionCount: 2, consumerGroups: ['readers'] }] },
    policies: [{ name: 'send-only', key: 'c2VuZC1vbmx5LWtleQ==', rights: ['Send'] }],
  });
  port = emulator.port;
});

afterAll(async () => {
  await emulator?.close();
});

function withKey(name: string, key: string): string {
  return `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=${name};SharedAccessKey=${key};UseDevelopmentEmulator=true`;
}

async function withSignature(audience: string, expiresAt: number): Promise<string> {
  const key = /SharedAccessKey=([^;]+)/.exec(emulator.connectionString)![1]!;
  const token = await createSasToken({ resourceUri: audience, keyName: 'RootManageSharedAccessKey', key, expiresAt });
  return `Endpoint=sb://127.0.0.1:${port}/;SharedAccessSignature=${token};UseDevelopmentEmulator=true`;
}

async function firstError(consumer: EventHubConsumerClient, partitionId: string, options: SubscribeOptions = {}): Promise<{ code?: string; message: string }> {
  return new Promise((resolve) => {
    const subscription = consumer.subscribe(
      partitionId,
      {
        processEvents: async () => {},
        processError: async (error) => {
          await subscription.close();
          resolve(error as { code?: string; message: string });
        },
      },
      { maxWaitTimeInSeconds: 1, ...options },
    );
  });
}

describe('tokens and claims', () => {
  test('a wrong key is refused at put-token with UnauthorizedError', async () => {
    const producer = new EventHubProducerClient(withKey('RootManageSharedAccessKey', 'bm90LXRoZS1rZXk='), 'eh1', noRetry);
    await expect(producer.getEventHubProperties()).rejects.toMatchObject({ code: 'UnauthorizedError' });
    await producer.close();
  });

  test('an unknown key name is refused', async () => {
    const producer = new EventHubProducerClient(withKey('nobody', 'a2V5'), 'eh1', noRetry);
    await expect(producer.getEventHubProperties()).rejects.toMatchObject({ code: 'UnauthorizedError' });
    await producer.close();
  });

  test('an expired SharedAccessSignature is refused', async () => {
    const cs = await withSignature(`sb://127.0.0.1:${port}/eh1`, Math.floor(Date.now() / 1000) - 60);
    const producer = new EventHubProducerClient(cs, 'eh1', noRetry);
    await expect(producer.getEventHubProperties()).rejects.toMatchObject({ code: 'UnauthorizedError' });
    await producer.close();
  });

  test('a signature for another audience is refused', async () => {
    const cs = await withSignature(`sb://127.0.0.1:${port}/other-hub`, Math.floor(Date.now() / 1000) + 600);
    const producer = new EventHubProducerClient(cs, 'eh1', noRetry);
    await expect(producer.getEventHubProperties()).rejects.toMatchObject({ code: 'UnauthorizedError' });
    await producer.close();
  });

  test('a valid namespace-wide SharedAccessSignature works', async () => {
    const cs = await withSignature(`sb://127.0.0.1:${port}/`, Math.floor(Date.now() / 1000) + 600);
    const producer = new EventHubProducerClient(cs, 'eh1', noRetry);
    expect((await producer.getEventHubProperties()).partitionIds).toEqual(['0', '1']);
    await producer.close();
  });

  test('a Send-only key can send but not receive (Listen claim)', async () => {
    const cs = withKey('send-only', 'c2VuZC1vbmx5LWtleQ==');
    const producer = new EventHubProducerClient(cs, 'eh1', noRetry);
    await producer.sendBatch([{ body: 'allowed' }], { partitionId: '0' });
    await producer.close();
    const consumer = new EventHubConsumerClient('$Default', cs, 'eh1', noRetry);
    const error = await firstError(consumer, '0');
    expect(error.code).toBe('UnauthorizedError');
    expect(error.message).toContain("'Listen' claim(s) are required");
    await consumer.close();
  });

  test('acceptAnyToken lets a wrong key through, as Microsoft\'s emulator does', async () => {
    const lenient = await startEventHubsEmulator({ acceptAnyToken: true });
    try {
      const cs = lenient.connectionString.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=d3Jvbmc=');
      const producer = new EventHubProducerClient(cs, 'eh1', noRetry);
      expect((await producer.getEventHubProperties()).name).toBe('eh1');
      await producer.close();
    } finally {
      await lenient.close();
    }
  });
});

describe('unknown entities', () => {
  test('unknown hub: MessagingEntityNotFoundError', async () => {
    const producer = new EventHubProducerClient(emulator.connectionString, 'no-such-hub', noRetry);
    await expect(producer.getEventHubProperties()).rejects.toMatchObject({ code: 'MessagingEntityNotFoundError' });
    await expect(producer.sendBatch([{ body: 'x' }])).rejects.toMatchObject({ code: 'MessagingEntityNotFoundError' });
    await producer.close();
  });

  test('unknown partition: ArgumentOutOfRangeError for READ, send and receive', async () => {
    const producer = new EventHubProducerClient(emulator.connectionString, 'eh1', noRetry);
    await expect(producer.getPartitionProperties('7')).rejects.toMatchObject({ code: 'ArgumentOutOfRangeError' });
    await expect(producer.sendBatch([{ body: 'x' }], { partitionId: '7' })).rejects.toMatchObject({ code: 'ArgumentOutOfRangeError' });
    await producer.close();
    const consumer = new EventHubConsumerClient('$Default', emulator.connectionString, 'eh1', noRetry);
    expect((await firstError(consumer, '7')).code).toBe('ArgumentOutOfRangeError');
    await consumer.close();
  });

  test('unknown consumer group: MessagingEntityNotFoundError; known ones match case-insensitively', async () => {
    const consumer = new EventHubConsumerClient('no-such-group', emulator.connectionString, 'eh1', noRetry);
    expect((await firstError(consumer, '0')).code).toBe('MessagingEntityNotFoundError');
    await consumer.close();

    const producer = new EventHubProducerClient(emulator.connectionString, 'eh1');
    await producer.sendBatch([{ body: 'for READERS' }], { partitionId: '1' });
    await producer.close();
    const readers = new EventHubConsumerClient('READERS', emulator.connectionString, 'eh1');
    const body = await new Promise((resolve, reject) => {
      const subscription = readers.subscribe(
        '1',
        {
          processEvents: async (events) => {
            if (events.length === 0) return;
            await subscription.close();
            resolve(events[0]!.body);
          },
          processError: async (error) => reject(error),
        },
        { startPosition: { sequenceNumber: 0, isInclusive: true }, maxWaitTimeInSeconds: 1 },
      );
    });
    expect(body).toBe('for READERS');
    await readers.close();
  });
});

describe('sizes', () => {
  test('a send over 1 MB is rejected with MessageTooLargeError and stores nothing', async () => {
    const producer = new EventHubProducerClient(emulator.connectionString, 'eh1', noRetry);
    const before = await producer.getPartitionProperties('0');
    const events = Array.from({ length: 12 }, (_, n) => ({ body: new Uint8Array(100_000).fill(n) }));
    await expect(producer.sendBatch(events, { partitionId: '0' })).rejects.toMatchObject({ code: 'MessageTooLargeError' });
    const after = await producer.getPartitionProperties('0');
    expect(after.lastEnqueuedSequenceNumber).toBe(before.lastEnqueuedSequenceNumber);
    await producer.close();
  });

  test('the link advertises max-message-size 1 MB, so createBatch refuses a larger maxSizeInBytes', async () => {
    const producer = new EventHubProducerClient(emulator.connectionString, 'eh1');
    await expect(producer.createBatch({ maxSizeInBytes: 2 * 1024 * 1024 })).rejects.toThrow(/1048576/);
    const batch = await producer.createBatch();
    expect(batch.maxSizeInBytes).toBe(1024 * 1024);
    await producer.close();
  });
});

describe('epochs (ownerLevel)', () => {
  /** Subscribes to partition 0 from the start; `received(body)` settles once that event arrived. */
  function ownPartition(consumer: EventHubConsumerClient, ownerLevel: number) {
    const bodies = new Set<unknown>();
    const waiters: Array<() => void> = [];
    let onError: (error: { code?: string; message: string }) => void;
    const received = (body: unknown) =>
      new Promise<void>((resolve) => {
        const check = () => (bodies.has(body) ? resolve() : waiters.push(check));
        check();
      });
    const failed = new Promise<{ code?: string; message: string }>((resolve) => (onError = resolve));
    const subscription = consumer.subscribe(
      '0',
      {
        processEvents: async (events) => {
          for (const event of events) bodies.add(event.body);
          for (const waiter of waiters.splice(0)) waiter();
        },
        processError: async (error) => onError(error as { code?: string; message: string }),
      },
      { ownerLevel, startPosition: { sequenceNumber: 0, isInclusive: true }, maxWaitTimeInSeconds: 1 },
    );
    return { received, failed, subscription };
  }

  test('a higher ownerLevel steals the partition: ReceiverDisconnectedError; a lower one is refused', async () => {
    const producer = new EventHubProducerClient(emulator.connectionString, 'eh1');
    await producer.sendBatch([{ body: 'epoch-probe' }], { partitionId: '0' });

    const holderClient = new EventHubConsumerClient('$Default', emulator.connectionString, 'eh1', noRetry);
    const holder = ownPartition(holderClient, 1);
    await holder.received('epoch-probe');

    const thiefClient = new EventHubConsumerClient('$Default', emulator.connectionString, 'eh1', noRetry);
    const thief = ownPartition(thiefClient, 2);
    const stolen = await holder.failed;
    expect(stolen.code).toBe('ReceiverDisconnectedError');
    expect(stolen.message).toMatch(/higher epoch of '2'/);
    await thief.received('epoch-probe');

    const latecomer = new EventHubConsumerClient('$Default', emulator.connectionString, 'eh1', noRetry);
    expect((await firstError(latecomer, '0', { ownerLevel: 1 })).code).toBe('ReceiverDisconnectedError');
    const noEpoch = new EventHubConsumerClient('$Default', emulator.connectionString, 'eh1', noRetry);
    expect((await firstError(noEpoch, '0')).code).toBe('ReceiverDisconnectedError');

    // The thief still owns the partition: new events reach it.
    await producer.sendBatch([{ body: 'after-steal' }], { partitionId: '0' });
    await thief.received('after-steal');

    await Promise.all([holder.subscription.close(), thief.subscription.close()]);
    await Promise.all([holderClient.close(), thiefClient.close(), latecomer.close(), noEpoch.close(), producer.close()]);
  });
});
