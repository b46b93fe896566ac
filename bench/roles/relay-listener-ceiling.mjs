// "Ceiling: a listener that does no work." The least any listener must do per relayed HTTP request
// (docs/protocol/relay.md §1.2, §1.5), on raw `ws`: read the `request` message (JSON.parse, for
// its id), skip its body frame, and answer with a pre-built `response` message and a pre-built body
// of the row's size (the sender checks only the length), in one write per tick (ws's TCP socket
// corked until process.nextTick). A `request` without `method` (the body is over 64 kB) is served
// the way the protocol requires: dial its rendezvous address and serve the requests that arrive
// there, answering on that socket. No handler, no Request/Response objects, no validation: with
// this behind the same emulator and sender, the row's ratio against hyco-https is the best any
// listener could reach (bench/profiles/relay-http.md).
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';

const HEAD_START = '{"response":{"requestId":';
const HEAD_END = ',"statusCode":200,"responseHeaders":{"content-type":"application/octet-stream"},"body":true}}';

function sasToken(uri, keyName, key) {
  const audience = encodeURIComponent(uri);
  const expiry = Math.floor(Date.now() / 1000) + 24 * 3600;
  const signature = createHmac('sha256', key).update(`${audience}\n${expiry}`).digest('base64');
  return `SharedAccessSignature sr=${audience}&sig=${encodeURIComponent(signature)}&se=${expiry}&skn=${keyName}`;
}

/** `serve` is attached in the 'open' event itself: frames that came with the 101 are emitted on the next tick, before a promise continuation would run. */
function open(url, headers, serve) {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      serve(ws);
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

const uncork = (ws) => {
  ws.corked = false;
  ws._socket.uncork();
};

/** Answers every request that arrives on `ws` on the same socket; rendezvous offers are dialed. */
function serve(ws, body, sockets) {
  let awaitingBody; // the request whose body frame comes next
  const answer = (id) => {
    // `ws` has no public handle on its TCP socket; corked until the tick ends, as ours does.
    if (!ws.corked) {
      ws.corked = true;
      ws._socket.cork();
      process.nextTick(uncork, ws);
    }
    ws.send(HEAD_START + JSON.stringify(id) + HEAD_END);
    ws.send(body);
  };
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      if (awaitingBody !== undefined) answer(awaitingBody);
      awaitingBody = undefined;
      return;
    }
    const { request } = JSON.parse(data.toString());
    if (!request) return;
    if (request.method === undefined) {
      // Rendezvous (docs/protocol/relay.md §1.5): the request arrives on a socket we open.
      open(request.address, {}, (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        serve(socket, body, sockets);
      }).catch(() => undefined);
      return;
    }
    if (request.body) awaitingBody = request.id;
    else answer(request.id);
  });
  ws.on('error', () => undefined);
}

export async function start({ port, path, keyName, key, size }) {
  const body = Buffer.alloc(size, 'x');
  const sockets = new Set();
  const control = await open(`ws://127.0.0.1:${port}/$hc/${path}?sb-hc-action=listen`, { ServiceBusAuthorization: sasToken(`http://127.0.0.1/${path}`, keyName, key) }, (ws) => serve(ws, body, sockets));
  return {
    info: {},
    methods: {
      close: async () => {
        for (const socket of sockets) socket.terminate();
        control.close();
      },
    },
  };
}
