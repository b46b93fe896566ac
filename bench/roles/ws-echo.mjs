// A bare `ws` echo server: the direct-WebSocket limit, and the far end of the two-hop forwarder.
import { WebSocketServer } from 'ws';

export async function start() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
  await new Promise((resolve) => server.once('listening', resolve));
  return { info: { port: server.address().port }, methods: { close: () => new Promise((resolve) => server.close(() => resolve())) } };
}
