import { EventHubProducerClient } from '@azure/event-hubs';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { describe, it } from 'vitest';
import { HybridConnectionListener } from '../../src/node/relay.js';
import { scale } from './harness/budget.js';
import { EXHAUSTION_OPTIONS, cbsFlood, ehPort, rawPost, relayToken } from './harness/exhaustion-tools.js';
import { EmulatorFixture } from './harness/fixture.js';
import { everyServiceWorks } from './harness/legit.js';

// Exhaustion, bodies: oversize bodies on every service and the Relay global body budget.
// After each batch: the process is alive, its RSS under the bound, and a fresh client of every
// service still works. Limits are low (harness/exhaustion-tools.ts) so the short form reaches
// them in seconds; the long form uses the same limits with larger crowds.

const fixture = new EmulatorFixture(EXHAUSTION_OPTIONS);

describe('exhaustion: bodies', () => {
  it('oversize bodies: Relay HTTP 413, Web PubSub REST 413, Event Hubs message-size-exceeded, multi-frame $cbs flood cut', { timeout: 300_000 }, async () => {
    await fixture.batch({
      target: 'exhaustion: oversize bodies',
      cases: 4,
      attack: async (child) => {
        const refusals: string[] = [];
        // Relay: 9 MB to a listener, past the 8 MiB httpBodyLimitBytes.
        const listener = new HybridConnectionListener(child.info.relay.connectionString, { path: 'big', requestHandler: async () => new Response('took it') });
        await listener.open();
        const relayStatus = await rawPost(Number(child.info.relay.port), '/big/up', 9 * 1024 * 1024, { ServiceBusAuthorization: await relayToken(child, 'big', fixture.secrets) });
        await listener.close();
        if (relayStatus !== 413) refusals.push(`relay ${relayStatus} (expected 413)`);
        // Web PubSub REST: 2 MB, past the 1 MiB body limit.
        const service = new WebPubSubServiceClient(child.info.webpubsub.connectionString, 'big', { allowInsecureConnection: true });
        const wpsStatus = await service.sendToAll('x'.repeat(2 * 1024 * 1024), { contentType: 'text/plain' }).then(() => 200, (error: { statusCode?: number }) => error.statusCode ?? 0);
        if (wpsStatus !== 413) refusals.push(`webpubsub ${wpsStatus} (expected 413)`);
        // Event Hubs: a 2 MB event through the SDK.
        const producer = new EventHubProducerClient(child.info.eventhubs.connectionString, 'eh1', { retryOptions: { maxRetries: 0, timeoutInMs: 20_000 } });
        const ehError = await producer.sendBatch([{ body: Buffer.alloc(2 * 1024 * 1024) }]).then(() => 'accepted', (error: { code?: string }) => error.code ?? 'error');
        await producer.close();
        if (ehError !== 'MessageTooLargeError') refusals.push(`eventhubs ${ehError} (expected MessageTooLargeError)`);
        // Event Hubs: a multi-frame transfer on $cbs, before any token (finding 5).
        const floodMb = scale(24, 256);
        const cbs = await cbsFlood(ehPort(fixture.child), floodMb);
        if (cbs !== 'amqp:link:message-size-exceeded') refusals.push(`$cbs flood of ${floodMb} MB: ${cbs} (expected amqp:link:message-size-exceeded)`);
        if (refusals.length) throw new Error(refusals.join('; '));
      },
      legit: (child) => everyServiceWorks(child, fixture.secrets),
    });
  });

  it('Relay holds HTTP bodies within one global budget: past it, 503 unread', { timeout: 300_000 }, async () => {
    const posts = 8;
    const size = 7 * 1024 * 1024;
    await fixture.batch({
      target: `exhaustion: ${posts} concurrent 7 MB Relay POSTs to a listener that never answers (32 MiB budget)`,
      cases: posts,
      attack: async (child) => {
        const listener = new HybridConnectionListener(child.info.relay.connectionString, { path: 'budget', requestHandler: () => new Promise<Response>(() => {}) });
        await listener.open();
        const token = await relayToken(child, 'budget', fixture.secrets);
        const statuses = await Promise.all(Array.from({ length: posts }, () => rawPost(Number(child.info.relay.port), '/budget/up', size, { ServiceBusAuthorization: token })));
        await listener.close();
        const refused = statuses.filter((status) => status === 503).length;
        if (refused === 0) throw new Error(`expected some 503 past the body budget, got ${statuses.join(', ')}`);
        return { note: `statuses ${statuses.join(', ')}` };
      },
      legit: (child) => everyServiceWorks(child, fixture.secrets),
    });
  });
});
