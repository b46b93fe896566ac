// hyco-https 1.4.5's listener (createRelayedServer) against our emulator: echoes HTTP bodies and
// WebSocket messages. Its URI helpers hard-code wss://{ns}:443, so the listen URI is built by hand,
// as test/interop/relay-hyco-https.test.ts does (which also explains the `Extensions` global).
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export async function start({ port, path, keyName, key }) {
  // hyco-https adds a 'close' listener to its request rendezvous socket per response it sends
  // there (_hyco_outgoing.js _assignSocket); past 10 Node prints a leak warning per socket.
  EventEmitter.defaultMaxListeners = 1000;
  const hyco = require('hyco-https');
  globalThis.Extensions ??= require(require.resolve('ws/lib/extension.js', { paths: [require.resolve('hyco-https')] }));
  const listenUri = `ws://127.0.0.1:${port}/$hc/${path}?sb-hc-action=listen`;
  const token = hyco.createRelayToken(`http://127.0.0.1:${port}/${path}`, keyName, key, 24 * 3600);
  const server = hyco.createRelayedServer({ server: listenUri, token }, (req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/octet-stream');
      res.end(Buffer.concat(chunks));
    });
  });
  server.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));
  await new Promise((resolve, reject) => {
    server.on('listening', resolve);
    server.on('error', reject);
    server.listen();
  });
  return { info: {}, methods: { close: () => new Promise((resolve) => server.close(() => resolve())) } };
}
