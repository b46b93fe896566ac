// Rows 3–5: Web PubSub emulator fan-out CPU and idle-connection memory, against a bare `ws` server
// (roles/wps-bare.mjs) that encodes each message once. Servers in child processes (their CPU and
// RSS are read there); the clients are json.webpubsub.azure.v1 `ws` clients in the harness.
import { execFileSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { profiling, startChild } from '../lib/child.mjs';
import { alternate, finishCase } from '../lib/rounds.mjs';
import { clientUrl, restSend } from '../lib/wps-tokens.mjs';
import { openClients } from '../lib/ws-clients.mjs';

const PROTOCOL = 'json.webpubsub.azure.v1';
const HUB = 'bench';
const MESSAGE = 'x'.repeat(100);

function post(agent, port, { path, headers = {} }, body) {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-type': 'text/plain' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`${path}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function oursClientUrl(info, groups) {
  return clientUrl(info.endpoint, info.accessKey, HUB, groups);
}

/** Server CPU µs per delivered message: `messages` sends to `recipients` clients each. */
async function cpuPerDelivery(server, clients, send, messages, recipients) {
  clients.counter.messages = 0;
  const before = await server.call('cpu');
  for (let i = 0; i < messages; i++) await send();
  await clients.waitFor(messages * recipients);
  const after = await server.call('cpu');
  return (after.user - before.user + after.system - before.system) / (messages * recipients);
}

function fanOutRow({ id, title, goal, clientCount, group, messages }) {
  return {
    id,
    title,
    goal,
    profileRoles: ['wps-emulator'],
    async run(ctx) {
      const ours = await startChild('wps-emulator');
      const bare = await startChild('wps-bare');
      const agents = { ours: new Agent({ keepAlive: true, maxSockets: 1 }), limit: new Agent({ keepAlive: true, maxSockets: 1 }) };
      let oursClients;
      let bareClients;
      try {
        oursClients = await openClients(oursClientUrl(ours.info, group ? [group] : undefined), clientCount, { protocol: PROTOCOL });
        bareClients = await openClients(`ws://127.0.0.1:${bare.info.port}/client/hubs/${HUB}${group ? `?group=${group}` : ''}`, clientCount, { protocol: PROTOCOL });
        await new Promise((resolve) => setTimeout(resolve, 200)); // let the `connected` frames land
        const count = ctx.mode === 'full' ? messages : ctx.mode === 'quick' ? Math.ceil(messages / 3) : 2;
        // The REST token is minted once (the SDK mints one per call, on the client's side).
        const rest = restSend(ours.info.endpoint, ours.info.accessKey, HUB, group);
        const barePath = { path: group ? `/group/${group}` : '/all' };
        const sends = { ours: () => post(agents.ours, ours.info.port, rest, MESSAGE), limit: () => post(agents.limit, bare.info.port, barePath, MESSAGE) };
        const measured = await alternate(
          {
            ours: { name: 'our Web PubSub emulator (REST :send, JWT checked)', run: () => cpuPerDelivery(ours, oursClients, sends.ours, count, clientCount) },
            limit: { name: 'bare ws server, frame encoded once (HTTP POST trigger)', run: () => cpuPerDelivery(bare, bareClients, sends.limit, count, clientCount) },
          },
          { rounds: ctx.rounds, warmup: ctx.warmup, deadline: ctx.deadline },
        );
        ctx.notes.push(
          `${clientCount} ${PROTOCOL} clients${group ? ` all in group "${group}" (joined by the token's group claim; the bare server by query)` : ''}; a round is ${count} sends of a ${MESSAGE.length}-character text message, one after another, then a wait until every client has every message; server CPU (user + system, process.cpuUsage in its child process) over the round divided by ${count} × ${clientCount} deliveries. The REST call (HTTP parse, JWT check) counts in ours, as the HTTP POST does in the bare server's.`,
        );
        return [finishCase({ id: 'cpu', label: 'server CPU per delivery', unit: 'µs', better: 'lower', ratio: { against: 'limit', formula: 'x/ours' }, goal: { op: '>=', value: 0.9, text: '≥ 0.9× (bare/ours)' } }, measured)];
      } finally {
        oursClients?.close();
        bareClients?.close();
        for (const agent of Object.values(agents)) agent.destroy();
        await ours.stop();
        await bare.stop();
      }
    },
  };
}

export const sendToAll = fanOutRow({ id: 'wps-send-to-all', title: 'Web PubSub sendToAll to 1,000 clients', goal: '≥ 0.9× a bare ws server encoding once (CPU µs per delivery)', clientCount: 1000, messages: 50 });
export const sendToGroup = fanOutRow({ id: 'wps-send-to-group', title: 'Web PubSub sendToGroup, group of 100', goal: '≥ 0.9× bare ws (CPU µs per delivery)', clientCount: 100, group: 'g', messages: 500 });

function openFileLimit() {
  try {
    return execFileSync('sh', ['-c', 'echo $(ulimit -Sn) soft, $(ulimit -Hn) hard'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** RSS growth per idle connection, KiB, in a fresh server process; `urlFor(info)` may be async. */
async function idleKiB(role, urlFor, count, heapSamples) {
  const server = await startChild(role);
  let clients;
  try {
    const url = await urlFor(server.info);
    // `--profile`: heap snapshots around the connections, diffed by profile.mjs.
    const snapshot = profiling.dir ? (name) => server.call('heapSnapshot', { path: join(profiling.dir, `${role}-${name}.heapsnapshot`) }) : async () => undefined;
    await snapshot('before');
    const before = await server.call('memory');
    clients = await openClients(url, count, { protocol: PROTOCOL, concurrency: 200 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await server.call('memory');
    await snapshot(`after-${count}`);
    heapSamples.push((after.heapUsed + after.external - before.heapUsed - before.external) / count / 1024);
    return (after.rss - before.rss) / count / 1024;
  } finally {
    // Server first: its side then holds the TIME_WAITs, not the harness's ephemeral ports.
    await server.stop();
    clients?.close();
  }
}

export const idleMemory = {
  id: 'wps-idle-memory',
  title: 'Web PubSub idle connection memory',
  goal: '≤ 1.1× a bare ws server',
  profileRoles: [],
  // Its --profile takes heap snapshots of both servers (they do not disturb each other's numbers).
  profileAll: true,
  async run(ctx) {
    const count = { full: 10_000, quick: 2_000, smoke: 200 }[ctx.mode];
    const heap = { ours: [], limit: [] };
    const measured = await alternate(
      {
        ours: { name: 'our Web PubSub emulator', run: () => idleKiB('wps-emulator', (info) => oursClientUrl(info), count, heap.ours) },
        limit: { name: 'bare ws server', run: () => idleKiB('wps-bare', (info) => `ws://127.0.0.1:${info.port}/client/hubs/${HUB}`, count, heap.limit) },
      },
      { rounds: ctx.rounds, minRounds: 1, warmup: false, deadline: ctx.deadline },
    );
    ctx.notes.push(
      `${count.toLocaleString('en-US')} ${PROTOCOL} clients held open by the harness (\`ulimit -n\` here: ${openFileLimit()}), each round in a fresh server process: RSS after two forced GCs, before and 0.5 s after the last client connected, difference divided by ${count.toLocaleString('en-US')}. Ours sends each client its \`connected\` frame; the bare server sends nothing. No warm-up round.`,
    );
    const heapMeasured = Object.fromEntries(Object.entries(measured).map(([key, value]) => [key, { name: value.name, samples: heap[key] }]));
    return [
      finishCase({ id: 'kib', label: `RSS KiB per idle connection at ${count.toLocaleString('en-US')}`, unit: 'KiB', better: 'lower', ratio: { against: 'limit', formula: 'ours/x' }, goal: { op: '<=', value: 1.1, text: '≤ 1.1× bare' } }, measured),
      finishCase({ id: 'heap', label: 'of which JS heap + external (no goal)', unit: 'KiB', better: 'lower', ratio: { against: 'limit', formula: 'ours/x' } }, heapMeasured),
    ];
  },
};
