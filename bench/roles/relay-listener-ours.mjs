// Our HybridConnectionListener (node entry): echoes HTTP bodies through a WHATWG requestHandler and
// WebSocket messages on accepted connections.
import { importOurs } from '../lib/build.mjs';

export async function start({ connectionString, path }) {
  const { HybridConnectionListener } = await importOurs('node');
  const listener = new HybridConnectionListener(connectionString, {
    path,
    requestHandler: async (request) => new Response(await request.arrayBuffer(), { headers: { 'content-type': 'application/octet-stream' } }),
  });
  listener.on('connection', ({ socket }) => {
    socket.onmessage = (event) => socket.send(event.data);
  });
  listener.on('error', () => undefined);
  await listener.open();
  return { info: {}, methods: { close: () => listener.close() } };
}
