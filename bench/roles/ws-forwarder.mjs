// The peer for Relay WebSockets: a bare two-hop forwarder. Like the relay, it completes the
// sender's handshake only once the far end has accepted (it dials upstream during the upgrade),
// then copies frames both ways.
import { createServer } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';

export async function start({ upstreamPort }) {
  const server = createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const upstream = new WebSocket(`ws://127.0.0.1:${upstreamPort}${req.url}`, { perMessageDeflate: false });
    upstream.once('error', () => socket.destroy());
    upstream.once('open', () =>
      wss.handleUpgrade(req, socket, head, (downstream) => {
        downstream.on('message', (data, isBinary) => upstream.send(data, { binary: isBinary }));
        upstream.on('message', (data, isBinary) => downstream.send(data, { binary: isBinary }));
        downstream.on('close', () => upstream.close());
        upstream.on('close', () => downstream.close());
        downstream.on('error', () => upstream.terminate());
        upstream.on('error', () => downstream.terminate());
      }),
    );
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { info: { port: server.address().port }, methods: { close: () => new Promise((resolve) => server.close(() => resolve())) } };
}
