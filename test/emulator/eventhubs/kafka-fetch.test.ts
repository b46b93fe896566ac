import { afterAll, expect, test } from 'vitest';
import { resolveNamespace } from '../../../src/emulator/eventhubs/config.js';
import { EventHubsNamespace } from '../../../src/emulator/eventhubs/namespace.js';
import { ConnectionGrants } from '../../../src/emulator/eventhubs/cbs.js';
import { fetch } from '../../../src/emulator/eventhubs/kafka/api-fetch.js';
import { KafkaReader, KafkaWriter } from '../../../src/emulator/eventhubs/kafka/codec.js';
import type { KafkaContext, KafkaSession } from '../../../src/emulator/eventhubs/kafka/context.js';
import { UnsentResponses } from '../../../src/emulator/eventhubs/kafka/unsent-responses.js';

// The Fetch handler on its own: a long-lived connection's long polls must not leave anything
// behind (one close listener per Fetch used to pile up until the connection closed).

const namespace = new EventHubsNamespace(resolveNamespace({ hubs: [{ name: 'h', partitionCount: 1 }] }));
afterAll(() => namespace.close());

test('long polls that time out leave no close listener or append waiter behind', async () => {
  const grants = new ConnectionGrants();
  grants.add({ path: '', claims: new Set(['Listen']), expiresAt: Number.POSITIVE_INFINITY });
  const listeners = new Set<() => void>();
  const session: KafkaSession = {
    grants,
    clientId: 'test',
    clientHost: '/test',
    onClose: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    isClosed: () => false,
  };
  const context = {
    namespace,
    limits: { maxRequestBytes: 1 << 20, maxBatchBytes: 1 << 20, maxFetchWaitMs: 1000, maxFetchBytes: 1 << 20, maxPendingResponseBytes: 1 << 20, connectionsMaxIdleMs: 60_000 },
    unsent: new UnsentResponses(1 << 30),
  } as unknown as KafkaContext;
  const body = new KafkaWriter()
    .int32(-1).int32(5).int32(1).int32(1 << 20).int8(0)
    .array([0], false, (t) => t.string('h', false).array([0], false, (p) => p.int32(0).int64(0).int32(1 << 20)))
    .finish();
  for (let i = 0; i < 20; i++) {
    const answer = await fetch({ apiKey: 1, version: 4, flexible: false, correlationId: i, body: new KafkaReader(Buffer.from(body)) }, session, context);
    expect(answer.length).toBeGreaterThan(0);
  }
  expect(listeners.size).toBe(0);
  expect((namespace.hub('h')!.partitions[0] as unknown as { readers: Set<unknown> }).readers.size).toBe(0);
});
