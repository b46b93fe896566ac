import { WebPubSubServiceClient } from '@azure/web-pubsub';
import WebSocket from 'ws';
import { describe, it } from 'vitest';
import { HybridConnectionClient, HybridConnectionListener } from '../../src/node/relay.js';
import { scale } from './harness/budget.js';
import { EXHAUSTION_OPTIONS, settle } from './harness/exhaustion-tools.js';
import { EmulatorFixture } from './harness/fixture.js';
import { everyServiceWorks, relayWorks, webPubSubWorks } from './harness/legit.js';

// Exhaustion, crowds: thousands of Web PubSub clients all receiving one broadcast, a thousand
// Relay senders all echoed by one listener.
// After each batch: the process is alive, its RSS under the bound, and a fresh client of every
// service still works. Limits are low (harness/exhaustion-tools.ts) so the short form reaches
// them in seconds; the long form uses the same limits with larger crowds.

const fixture = new EmulatorFixture(EXHAUSTION_OPTIONS);

describe('exhaustion: crowds', () => {
  it('a crowd of Web PubSub clients: all connected, all receive one broadcast', { timeout: 600_000 }, async () => {
    const count = scale(500, 10_000);
    const service = new WebPubSubServiceClient(fixture.child.info.webpubsub.connectionString, 'crowd', { allowInsecureConnection: true });
    const { url, token } = await service.getClientAccessToken({ userId: 'crowd' });
    fixture.secrets.add(token);
    const clients: Array<{ ws: WebSocket; got: boolean }> = [];
    await fixture.batch({
      target: `exhaustion: ${count} Web PubSub clients`,
      cases: count,
      attack: async () => {
        try {
          await connectCrowd();
        } finally {
          for (const client of clients) client.ws.terminate();
        }
        const lost = clients.filter((c) => !c.got).length;
        return { lost };
      },
      legit: (child) => everyServiceWorks(child, fixture.secrets),
    });

    async function connectCrowd(): Promise<void> {
        for (let started = 0; started < count; started += 200) {
          await Promise.all(
            Array.from({ length: Math.min(200, count - started) }, () => {
              const client = { ws: new WebSocket(url, ['json.webpubsub.azure.v1']), got: false };
              clients.push(client);
              return new Promise<void>((resolve, reject) => {
                client.ws.on('message', (data) => {
                  const message = data.toString();
                  if (message.includes('"connected"')) resolve();
                  if (message.includes('crowd-broadcast')) client.got = true;
                });
                client.ws.once('error', reject);
              });
            }),
          );
        }
        await service.sendToAll('crowd-broadcast', { contentType: 'text/plain' });
        const deadline = Date.now() + 20_000;
        while (clients.some((c) => !c.got) && Date.now() < deadline) await settle(100);
        // A fresh client while the crowd is still connected.
        await webPubSubWorks(fixture.child, fixture.secrets);
    }
  });

  it('a crowd of Relay senders on one listener: every echo comes back', { timeout: 600_000 }, async () => {
    const count = scale(50, 1_000);
    const cs = fixture.child.info.relay.connectionString;
    const path = 'crowd';
    await fixture.batch({
      target: `exhaustion: ${count} Relay senders`,
      cases: count,
      attack: async () => {
        const listener = new HybridConnectionListener(cs, { path });
        await listener.open();
        listener.on('connection', ({ socket }) => (socket.onmessage = (event) => socket.send(event.data as string)));
        const client = new HybridConnectionClient(cs, { path });
        let echoed = 0;
        const senders: Array<{ close(): void }> = [];
        let next = 0;
        try {
          await Promise.all(
            Array.from({ length: 50 }, async () => {
              while (next < count) {
                next++;
                const sender = await client.createConnection();
                senders.push(sender);
                await new Promise<void>((resolve) => {
                  const timer = setTimeout(resolve, 10_000);
                  sender.onmessage = () => {
                    echoed++;
                    clearTimeout(timer);
                    resolve();
                  };
                  sender.send('hello');
                });
              }
            }),
          );
          // A fresh sender while the crowd is still connected.
          await relayWorks(fixture.child);
        } finally {
          for (const sender of senders) sender.close();
          await listener.close();
        }
        return { lost: count - echoed };
      },
      legit: (child) => everyServiceWorks(child, fixture.secrets),
    });
  });

});
