// The limit for Web PubSub fan-out and idle connections: a bare `ws` server speaking just enough of
// json.webpubsub.azure.v1. A POST to /all or /group/<name> encodes the message frame once and
// sends the same bytes to every recipient; `?group=` on the connect URL joins a group.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const PROTOCOL = 'json.webpubsub.azure.v1';

export async function start() {
  const groups = new Map();
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false) });
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const data = Buffer.concat(chunks).toString();
      const group = req.url.startsWith('/group/') ? decodeURIComponent(req.url.slice(7)) : undefined;
      const head = group === undefined ? { type: 'message', from: 'server' } : { type: 'message', from: 'group', group };
      const frame = Buffer.from(JSON.stringify({ ...head, dataType: 'text', data }));
      for (const socket of group === undefined ? wss.clients : (groups.get(group) ?? [])) socket.send(frame, { binary: false });
      res.writeHead(202).end();
    });
  });
  server.on('upgrade', (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => {
      const group = new URL(req.url, 'http://x').searchParams.get('group');
      if (!group) return;
      if (!groups.has(group)) groups.set(group, new Set());
      groups.get(group).add(ws);
      ws.on('close', () => groups.get(group).delete(ws));
    }),
  );
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { info: { port: server.address().port }, methods: { close: () => new Promise((resolve) => server.close(() => resolve())) } };
}
