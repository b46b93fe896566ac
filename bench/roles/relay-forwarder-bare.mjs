// The least a relay hop can cost, for the Relay HTTP rows: a node:http server that hands each
// request to one listener over one WebSocket in the listener protocol's framing (a `request`
// message, then the body as one binary message: docs/protocol/relay.md §1.5) and writes the
// listener's `response` and body back. Nothing else a relay must do: no token check, no entity
// lookup, no body limits or budget, no deadlines, no rendezvous (bodies of any size go on the one
// socket). Meant for bench/roles/relay-listener-ceiling.mjs, which connects as the listener.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

// Not forwarded (hop-by-hop, docs/protocol/relay.md §1.5) or the sender's token.
const DROPPED = new Set(['connection', 'content-length', 'host', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'servicebusauthorization']);

const uncork = (ws) => {
  ws.corked = false;
  ws._socket.uncork();
};

export async function start() {
  const pending = new Map();
  let listener;
  let nextId = 0;
  let head; // the response message whose body frame comes next

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      if (!listener) return void res.writeHead(502).end();
      const id = String(++nextId);
      pending.set(id, res);
      const requestHeaders = {};
      const raw = req.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i].toLowerCase();
        if (!DROPPED.has(name)) requestHeaders[name] = raw[i + 1];
      }
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      // Requests of one tick leave in one write, as the listeners' responses do.
      if (!listener.corked) {
        listener.corked = true;
        listener._socket.cork();
        process.nextTick(uncork, listener);
      }
      listener.send(JSON.stringify({ request: { address: 'bare', id, requestTarget: req.url, method: req.method, requestHeaders, body: body.length > 0 } }));
      if (body.length > 0) listener.send(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req, socket, upgradeHead) =>
    wss.handleUpgrade(req, socket, upgradeHead, (ws) => {
      listener = ws;
      ws.on('message', (data, isBinary) => {
        if (!isBinary) {
          head = JSON.parse(data.toString()).response;
          if (head.body) return;
        }
        const res = pending.get(head.requestId);
        pending.delete(head.requestId);
        res?.writeHead(Number(head.statusCode), head.responseHeaders).end(isBinary ? data : undefined);
      });
      ws.on('close', () => (listener = undefined));
    }),
  );
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    info: { port: server.address().port },
    methods: {
      close: () =>
        new Promise((resolve) => {
          listener?.terminate();
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    },
  };
}
