import { createConnection } from 'node:net';
import { it } from 'vitest';
import { EmulatorChild } from './harness/child.js';
import { eventHubsWorks } from './harness/legit.js';
it('slow', { timeout: 300_000 }, async () => {
  const child = await EmulatorChild.start({ eventhubs: { limits: { handshakeTimeoutMs: 2000 } } });
  const port = Number(child.info.eventhubs.connectionString.match(/:(\d+)/)![1]);
  for (const n of [100, 500, 1500]) {
    const sockets = Array.from({ length: n }, (_, i) => {
      const s = createConnection(port, '127.0.0.1', () => s.write(Buffer.from(i % 2 ? 'AMQP' : 'AMQP\x00\x01\x00\x00', 'latin1')));
      s.on('error', () => {});
      return s;
    });
    await new Promise((r) => setTimeout(r, 300));
    const t = Date.now();
    const ok = await eventHubsWorks(child).then(() => 'ok', (e: Error) => e.message);
    console.log(n, 'held:', ok, Date.now() - t, 'ms');
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(child.lines.filter((l) => !/accepted an AMQP/.test(l)).slice(-10).join('\n'));
  await child.stop();
});
