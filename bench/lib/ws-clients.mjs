// Many `ws` clients held by the harness: opened with bounded concurrency, counting every message.
import WebSocket from 'ws';

export async function openClients(url, count, { protocol, concurrency = 100 } = {}) {
  const sockets = [];
  const counter = { messages: 0 };
  let next = 0;
  const openOne = () =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocol ? [protocol] : [], { perMessageDeflate: false });
      ws.on('message', () => counter.messages++);
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`client handshake: HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        next++;
        sockets.push(await openOne());
      }
    }),
  );
  return {
    sockets,
    counter,
    /** Resolves once `total` messages have arrived since the counter was last reset. */
    async waitFor(total, timeoutMs = 30_000) {
      const end = performance.now() + timeoutMs;
      while (counter.messages < total) {
        if (performance.now() > end) throw new Error(`got ${counter.messages} of ${total} messages in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    },
    close() {
      for (const ws of sockets) ws.terminate();
    },
  };
}
