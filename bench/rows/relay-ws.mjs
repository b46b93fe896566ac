// Row 2: Relay WebSocket echo through our emulator. Ours: HybridConnectionClient → emulator →
// HybridConnectionListener (echo), node entry on both ends. Peer: a bare two-hop `ws` forwarder
// (client → forwarder → echo server). Limit: a `ws` client straight to the echo server. Each server
// in its own process; the senders in the harness.
import WebSocket from 'ws';
import { importOurs } from '../lib/build.mjs';
import { startChild } from '../lib/child.mjs';
import { cpuShares } from '../lib/cpu-share.mjs';
import { startRelayPair } from '../lib/relay-setup.mjs';
import { alternate, finishCase } from '../lib/rounds.mjs';

const WINDOW = 16;

/** Adapts a `ws` socket and our SocketLike to one shape: send, and one message callback. */
function wsConnection(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let listener = () => undefined;
    ws.on('message', () => listener());
    ws.once('open', () => resolve({ send: (data) => ws.send(data), onMessage: (fn) => (listener = fn), close: () => ws.close() }));
    ws.once('error', reject);
  });
}

function oursConnection(socket) {
  let listener = () => undefined;
  socket.onmessage = () => listener();
  return { send: (data) => socket.send(data), onMessage: (fn) => (listener = fn), close: () => socket.close() };
}

/** Keeps WINDOW messages in flight for `ms`, then waits for the last echoes; messages per second. */
function echoRate(connection, message, ms) {
  return new Promise((resolve) => {
    let inFlight = 0;
    let received = 0;
    const start = performance.now();
    const end = start + ms;
    const onEcho = () => {
      received++;
      inFlight--;
      const now = performance.now();
      if (now < end) {
        connection.send(message);
        inFlight++;
      } else if (inFlight === 0) {
        connection.onMessage(() => undefined);
        resolve((received * 1000) / (now - start));
      }
    };
    connection.onMessage(onEcho);
    for (let i = 0; i < WINDOW; i++, inFlight++) connection.send(message);
  });
}

/** Sequential connect → first echo → close, for `ms`; milliseconds per connection. */
async function connectLatencies(open, ms) {
  const samples = [];
  const end = performance.now() + ms;
  const message = Buffer.alloc(1024, 'p');
  while (performance.now() < end || samples.length < 5) {
    const start = performance.now();
    const connection = await open();
    await new Promise((resolve) => {
      connection.onMessage(resolve);
      connection.send(message);
    });
    samples.push(performance.now() - start);
    connection.close();
  }
  return samples;
}

async function startAll() {
  const relay = await startRelayPair();
  const echo = await startChild('ws-echo');
  const forwarder = await startChild('ws-forwarder', { upstreamPort: echo.info.port });
  const { HybridConnectionClient } = await importOurs('node');
  const client = new HybridConnectionClient(relay.connectionString, { path: 'ours' });
  const opens = {
    ours: async () => oursConnection(await client.createConnection()),
    peer: () => wsConnection(`ws://127.0.0.1:${forwarder.info.port}/`),
    limit: () => wsConnection(`ws://127.0.0.1:${echo.info.port}/`),
  };
  return {
    opens,
    servers: { ours: { emulator: relay.emulator, listener: relay.ours }, peer: { forwarder, echo }, limit: { echo } },
    async stop() {
      await forwarder.stop();
      await echo.stop();
      await relay.stop();
    },
  };
}

const NAMES = {
  ours: 'HybridConnectionClient → our emulator → HybridConnectionListener (node entry)',
  peer: 'ws client → bare ws forwarder → ws echo server',
  limit: 'ws client → ws echo server',
};

export const relayWs = {
  id: 'relay-ws',
  title: 'Relay WebSocket echo via the emulator',
  goal: '≥ 0.9× the two-hop forwarder at 1 KB and 64 KB',
  bound: {
    profile: 'bench/profiles/relay-ws.md',
    text: 'the row sits at its goal line, and which side a run lands on moves with the load. Per message each of our three processes costs about a tenth more CPU than its counterpart in the bare chain: the listener is a WebSocket client of the relay and must mask every frame it sends (the bare echo server is a server and does not), and both of our ends hand the app W3C events and ArrayBuffers rather than ws Buffers; the emulator\'s hop is the bare forwarder\'s plus the protocol\'s checks. Most of every process\'s time is the write system calls, which both chains make alike.',
  },
  profileRoles: ['relay-emulator', 'relay-listener-ours'],
  async run(ctx) {
    const setup = await startAll();
    try {
      const connections = {};
      for (const key of Object.keys(setup.opens)) connections[key] = await setup.opens[key]();
      const cases = [];
      const cpu = cpuShares();
      const ms = ctx.roundMs(1000);
      for (const [id, size, label] of [['1kb', 1024, '1 KB messages'], ['64kb', 64 * 1024, '64 KB messages']]) {
        const message = Buffer.alloc(size, 'm');
        const measured = await alternate(
          Object.fromEntries(Object.keys(connections).map((key) => [key, { name: NAMES[key], run: cpu.wrap(`${id} ${key}`, setup.servers[key], () => echoRate(connections[key], message, ms)) }])),
          { rounds: ctx.rounds, warmup: ctx.warmup, deadline: id === '1kb' ? (performance.now() + ctx.deadline) / 2 : ctx.deadline },
        );
        cases.push(finishCase({ id, label, unit: 'msg/s', better: 'higher', ratio: { against: 'peer' }, goal: { op: '>=', value: 0.9, text: '≥ 0.9× forwarder' } }, measured));
      }
      for (const connection of Object.values(connections)) connection.close();
      ctx.notes.push(`Share of a core per round (median; the harness is the sender): ${cpu.describe()}.`);
      ctx.notes.push(`One connection per contestant, ${WINDOW} binary messages in flight, each echoed; ${ms} ms rounds.`);
      return cases;
    } finally {
      await setup.stop();
    }
  },
};

export const relayWsConnect = {
  id: 'relay-ws-connect',
  title: 'Relay WebSocket connect → first echo',
  goal: 'p99 ≤ 2× the two-hop forwarder',
  profileRoles: ['relay-emulator', 'relay-listener-ours'],
  async run(ctx) {
    const setup = await startAll();
    try {
      const ms = ctx.roundMs(1500);
      const measured = await alternate(
        Object.fromEntries(Object.keys(setup.opens).map((key) => [key, { name: NAMES[key], run: () => connectLatencies(setup.opens[key], ms) }])),
        { rounds: ctx.rounds, warmup: ctx.warmup, deadline: ctx.deadline },
      );
      ctx.notes.push(`Sequential: open a connection, send 1 KB, wait for its echo, close; ${ms} ms of that per round; percentiles over all samples of all rounds, the bracket is the per-round range.`);
      const spec = (stat, goal) => ({ id: stat, label: `connect → first echo, ${stat}`, unit: 'ms', better: 'lower', stat, ratio: { against: 'peer', formula: 'ours/x' }, ...(goal ? { goal } : {}) });
      return [finishCase(spec('p50'), measured), finishCase(spec('p99', { op: '<=', value: 2, text: 'p99 ≤ 2× forwarder' }), measured)];
    } finally {
      await setup.stop();
    }
  },
};
