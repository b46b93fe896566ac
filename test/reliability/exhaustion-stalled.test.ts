import { EventHubProducerClient } from '@azure/event-hubs';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import type { Socket } from 'node:net';
import rhea from 'rhea';
import WebSocket from 'ws';
import { describe, it } from 'vitest';
import { scale } from './harness/budget.js';
import { EXHAUSTION_OPTIONS, WPS_OUTBOUND_LIMIT, ehPort, settle } from './harness/exhaustion-tools.js';
import { EmulatorFixture } from './harness/fixture.js';
import { everyServiceWorks, webPubSubWorks } from './harness/legit.js';

// Exhaustion, stalled readers: a Web PubSub client that stops reading, Event Hubs receivers with
// large credit that stop reading a large partition.
// After each batch: the process is alive, its RSS under the bound, and a fresh client of every
// service still works. Limits are low (harness/exhaustion-tools.ts) so the short form reaches
// them in seconds; the long form uses the same limits with larger crowds.

const fixture = new EmulatorFixture(EXHAUSTION_OPTIONS);

describe('exhaustion: stalled readers', () => {
  it('a Web PubSub client that stops reading is closed once its outbound buffer is full', { timeout: 300_000 }, async () => {
    const service = new WebPubSubServiceClient(fixture.child.info.webpubsub.connectionString, 'stalled', { allowInsecureConnection: true });
    const { url, token } = await service.getClientAccessToken({ userId: 'stalled' });
    fixture.secrets.add(token);
    const megabyte = Buffer.alloc(1024 * 1024, 0x61).toString();
    const messages = scale(3, 20) * (WPS_OUTBOUND_LIMIT / (1024 * 1024));
    await fixture.batch({
      target: 'exhaustion: stalled Web PubSub reader',
      cases: messages,
      attack: async () => {
        const ws = new WebSocket(url, ['json.webpubsub.azure.v1']);
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
        let closeCode: number | undefined;
        ws.on('close', (code) => (closeCode = code));
        try {
          (ws as unknown as { _socket: Socket })._socket.pause();
          for (let i = 0; i < messages; i++) await service.sendToAll(megabyte, { contentType: 'text/plain' });
          await settle(500);
          (ws as unknown as { _socket: Socket })._socket.resume();
          const deadline = Date.now() + 10_000;
          while (closeCode === undefined && Date.now() < deadline) await settle(50);
        } finally {
          ws.terminate();
        }
        // 1008 when the close frame gets through; 1006 when the emulator has to drop the connection
        // because the client never reads far enough to see it (the long form queues 80 MB).
        if (closeCode !== 1008 && closeCode !== 1006) throw new Error(`expected the stalled client to be closed (1008, or 1006 when dropped), got ${closeCode ?? 'no close'}`);
        return { note: `stalled client closed with ${closeCode}` };
      },
      legit: (child) => webPubSubWorks(child, fixture.secrets),
    });
  });


  it('Event Hubs receivers that never read a large partition share it (RSS grows by far less than one copy each)', { timeout: 600_000 }, async () => {
    const megabytes = scale(24, 88);
    const readers = 5;
    await fixture.batch({
      target: `exhaustion: ${readers} stalled Event Hubs readers of a ${megabytes} MB partition`,
      cases: readers,
      attack: async (child) => {
        const producer = new EventHubProducerClient(child.info.eventhubs.connectionString, 'eh1', { retryOptions: { maxRetries: 1, timeoutInMs: 30_000 } });
        const event = { body: Buffer.alloc(100 * 1024, 0x62) };
        for (let sent = 0; sent < megabytes * 10; sent += 9) await producer.sendBatch(Array.from({ length: 9 }, () => event), { partitionId: '3' });
        await producer.close();
        const before = child.rssMb();
        const key = child.info.eventhubs.connectionString.match(/SharedAccessKey=([^;]+)/)![1]!;
        const connections = Array.from({ length: readers }, () => {
          const connection = rhea.create_container().connect({ host: '127.0.0.1', port: ehPort(fixture.child), username: 'RootManageSharedAccessKey', password: key, reconnect: false } as never);
          connection.on('error', () => {});
          const receiver = connection.open_receiver({
            source: { address: 'eh1/ConsumerGroups/$Default/Partitions/3', filter: { 'apache.org:selector-filter:string': (rhea as unknown as { filter: { selector(text: string): unknown } }).filter.selector("amqp.annotation.x-opt-offset > '-1'") } },
            credit_window: 0,
            autoaccept: false,
          } as never);
          receiver.on('receiver_open', () => {
            receiver.add_credit(100_000);
            // Stop reading: whatever the emulator sends now piles up on its side.
            (connection as unknown as { socket?: Socket }).socket?.pause();
          });
          return connection;
        });
        await settle(4000);
        const growth = child.rssMb() - before;
        for (const connection of connections) (connection as unknown as { socket?: Socket }).socket?.destroy();
        // One copy per reader (the finding: 184 → 603 MB for 5 × 88 MB) is readers × megabytes; shared
        // data plus a bounded outbound buffer per connection stays far below half of that.
        if (growth > (readers * megabytes) / 2) throw new Error(`RSS grew by ${growth.toFixed(0)} MB for ${readers} stalled readers of ${megabytes} MB`);
        return { note: `RSS +${growth.toFixed(0)} MB with ${readers} stalled readers` };
      },
      legit: (child) => everyServiceWorks(child, fixture.secrets),
    });
  });

});
