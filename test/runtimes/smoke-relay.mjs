// Relay checks run inside each runtime against a real Relay emulator (started in Node by
// scripts/smoke-runtimes.mjs, which passes its connection string). A listener from the package goes
// online, a sender from the package gets a text echo over a relayed WebSocket and an HTTP answer
// from the listener's requestHandler. `api` is one entry of the package ('azure-realtime' or
// 'azure-realtime/browser'), so Node-like runtimes try both the `ws` binding and the global WebSocket.

import { within } from './smoke-util.mjs';

const STEP_MS = 8000;

function nextMessage(socket, what) {
  return within(STEP_MS, new Promise((resolve, reject) => {
    socket.onmessage = (event) => resolve(event.data);
    socket.onclose = (event) => reject(new Error(`${what}: socket closed ${event.code} ${event.reason}`));
    socket.onerror = () => reject(new Error(`${what}: socket error`));
  }), what);
}

/**
 * Adds the Relay checks for one entry. `label` names the entry and binding in the check names;
 * `options` go to both constructors (e.g. `{ WebSocket }`). A check passes on `true` or `{ note }`.
 */
export async function relayChecks(check, connectionString, api, label, options = {}) {
  // The node build binds `ws`, which sends the token in a header and reports handshake statuses.
  const headerCapable = Boolean(api.NodeWebSocket) && !options.WebSocket;
  const path = `smoke-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const seen = [];
  const listener = new api.HybridConnectionListener(connectionString, {
    ...options,
    path,
    requestHandler: async (request) => {
      const url = new URL(request.url);
      seen.push(`${request.method} ${url.pathname}${url.search}`);
      const body = new Uint8Array(await request.arrayBuffer());
      // A large body is answered with its length and byte sum, and a large body of its own.
      if (body.length > 1000) return new Response(`${body.length} bytes, sum ${body.reduce((n, b) => n + b, 0)}`.padEnd(100_000, '.'), { status: 200 });
      return new Response(`answer to ${new TextDecoder().decode(body)}`, { status: 201, headers: { 'x-smoke': 'listener' } });
    },
  });
  const errors = [];
  listener.on('error', (error) => errors.push(String(error?.message ?? error)));
  listener.on('connection', ({ socket, request }) => {
    // A sender asking for a greeting gets one at once, before it has sent anything.
    if (new URL(request.url).pathname.endsWith('/greet')) socket.send('greeting');
    // Text comes back prefixed, binary as is: both directions show what each runtime's socket delivers.
    socket.onmessage = (event) => socket.send(typeof event.data === 'string' ? `echo:${event.data}` : event.data);
  });
  const client = new api.HybridConnectionClient(connectionString, { ...options, path });
  let online = false;
  try {
    await check(`${label}: Relay listener goes online`, async () => {
      await within(STEP_MS, listener.open(), 'listener.open()');
      online = listener.isOnline;
      return (online && listener.status === 'online') || `status ${listener.status}, last error ${listener.lastError}`;
    });
    await check(`${label}: Relay createConnection gets a text and a binary echo through the listener`, async () => {
      if (!online) return 'skipped: the listener is not online';
      const socket = await within(STEP_MS, client.createConnection(), 'createConnection()');
      try {
        const reply = nextMessage(socket, 'echo');
        socket.send('hello relay');
        const data = await reply;
        if (data !== 'echo:hello relay') return `got ${typeof data} ${String(data).slice(0, 80)}`;
        const binaryReply = nextMessage(socket, 'binary echo');
        socket.send(new Uint8Array([0, 1, 2, 254, 255]));
        const binary = await binaryReply;
        const bytes = binary instanceof ArrayBuffer ? Array.from(new Uint8Array(binary)).join(',') : `not an ArrayBuffer: ${Object.prototype.toString.call(binary)}`;
        return bytes === '0,1,2,254,255' || `binary echo ${bytes}`;
      } finally {
        socket.close();
      }
    });
    await check(`${label}: Relay sender gets a message the listener sends right on accept (10 connections)`, async () => {
      if (!online) return 'skipped: the listener is not online';
      // As docs/relay-client.md asks: handlers attached right after `await createConnection()`.
      const lost = [];
      for (let i = 0; i < 10; i++) {
        const socket = await within(STEP_MS, client.createConnection({ suffix: 'greet' }), 'createConnection()');
        const data = await within(500, nextMessage(socket, 'greeting'), 'greeting').catch((error) => `lost (${error.message})`);
        if (data !== 'greeting') lost.push(`#${i}: ${String(data).slice(0, 60)}`);
        socket.close();
      }
      return lost.length === 0 || `${lost.length}/10 greetings not delivered: ${lost.slice(0, 2).join('; ')}`;
    });
    await check(`${label}: Relay client.fetch gets the listener's HTTP answer`, async () => {
      if (!online) return 'skipped: the listener is not online';
      const response = await within(STEP_MS, client.fetch('items?x=1', { method: 'POST', body: 'ping' }), 'client.fetch()');
      const body = await response.text();
      const ok = response.status === 201 && body === 'answer to ping' && response.headers.get('x-smoke') === 'listener' && seen.join() === `POST /${path}/items?x=1`;
      return ok || `status ${response.status}, body ${body.slice(0, 80)}, x-smoke ${response.headers.get('x-smoke')}, listener saw ${seen.join() || 'nothing'}${errors.length ? `, errors ${errors.join('; ')}` : ''}`;
    });
    await check(`${label}: Relay client.fetch with 100 kB each way (over rendezvous, past the 64 kB control-channel limit)`, async () => {
      if (!online) return 'skipped: the listener is not online';
      const upload = Uint8Array.from({ length: 100_000 }, (_, i) => i % 251);
      const expectedSum = upload.reduce((n, b) => n + b, 0);
      const response = await within(STEP_MS, client.fetch('big', { method: 'PUT', body: upload }), 'client.fetch(100 kB)');
      const body = await response.text();
      const head = `100000 bytes, sum ${expectedSum}`;
      return (response.status === 200 && body.length === 100_000 && body.startsWith(`${head}.`)) || `status ${response.status}, ${body.length} chars: ${body.slice(0, 60)}${errors.length ? `, errors ${errors.join('; ')}` : ''}`;
    });
    await check(`${label}: Relay listener with a wrong key is refused with a typed error`, async () => {
      const wrongKey = connectionString.replace(/SharedAccessKey=[^;]+/i, 'SharedAccessKey=bm90LXRoZS1lbXVsYXRvci1rZXk=');
      const refused = new api.HybridConnectionListener(wrongKey, { ...options, path });
      const error = await within(STEP_MS, refused.open(), 'open() with a wrong key').then(() => 'went online', (e) => e);
      await refused.close().catch(() => {});
      if (!api.isRealtimeError(error)) return `got ${error}`;
      // `ws` reports the handshake status; a W3C WebSocket reports none, so there it can only be 'unavailable' (docs/relay-client.md).
      if (error.code === 'unauthorized' && error.status === 401) return { note: 'unauthorized, status 401' };
      if (error.code === 'unavailable' && !headerCapable) return { note: 'unavailable (the handshake status is not visible through this WebSocket)' };
      return `got ${error.code} ${error.status}: ${error.message}`;
    });
    if (headerCapable) {
      await check(`${label}: Relay keep-alive Ping probes are answered (200 ms ticks, online for 1.2 s without a reconnect)`, async () => {
        // Ping/Pong exist on `ws` only (listener-liveness.ts); an unanswered probe would recycle the channel.
        const probed = new api.HybridConnectionListener(connectionString, { ...options, path: `${path}-ka`, keepAliveIntervalMs: 200 });
        const drops = [];
        try {
          await within(STEP_MS, probed.open(), 'open()');
          // Counted from online on: the first dial emits 'connecting' too.
          probed.on('connecting', (error) => drops.push(String(error?.message ?? error)));
          await new Promise((resolve) => setTimeout(resolve, 1200));
          return (probed.isOnline && drops.length === 0) || `status ${probed.status}, reconnects: ${drops.join('; ')}`;
        } finally {
          await probed.close().catch(() => {});
        }
      });
    }
  } finally {
    await within(STEP_MS, listener.close(), 'listener.close()').catch(() => {});
  }
}
