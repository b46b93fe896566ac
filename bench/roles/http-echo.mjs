// The limit for Relay HTTP: a node:http server that echoes the body, no relay in between.
import { createServer } from 'node:http';

export async function start() {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/octet-stream');
      res.end(Buffer.concat(chunks));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { info: { port: server.address().port }, methods: { close: () => new Promise((resolve) => server.close(() => resolve())) } };
}
