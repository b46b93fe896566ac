// Row 1: Relay HTTP through our emulator, req/s. The sender is a plain node:http client (keep-alive)
// posting to the emulator's HTTP front; the listener echoes the body. Ours: HybridConnectionListener
// with a requestHandler (node entry). Peer: hyco-https's listener behind the same emulator. Limit:
// the same client against a direct node:http echo server.
import { Agent, request } from 'node:http';
import { startChild } from '../lib/child.mjs';
import { cpuShares } from '../lib/cpu-share.mjs';
import { senderToken, startRelayPair } from '../lib/relay-setup.mjs';
import { alternate, finishCase } from '../lib/rounds.mjs';

function post(agent, port, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': body.length } },
      (res) => {
        let received = 0;
        res.on('data', (chunk) => (received += chunk.length));
        res.on('end', () => (res.statusCode === 200 && received === body.length ? resolve() : reject(new Error(`${path}: HTTP ${res.statusCode}, ${received} of ${body.length} bytes echoed`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function rate(send, concurrency, ms) {
  let count = 0;
  const start = performance.now();
  const end = start + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await send();
        count++;
      }
    }),
  );
  return (count * 1000) / (performance.now() - start);
}

function relayHttpRow({ id, title, size, sizeLabel, roundMs }) {
  return {
    id,
    title,
    goal: '≥ 1.5× hyco-https at 100 B and 1 MB, sequential and concurrent',
    profileRoles: ['relay-emulator', 'relay-listener-ours'],
    async run(ctx) {
      const relay = await startRelayPair();
      const direct = await startChild('http-echo');
      try {
        const body = Buffer.alloc(size, 'x');
        const agents = { ours: new Agent({ keepAlive: true, maxSockets: 32 }), peer: new Agent({ keepAlive: true, maxSockets: 32 }), limit: new Agent({ keepAlive: true, maxSockets: 32 }) };
        // One token per contestant, minted up front (the sender's cost is not what is measured).
        const tokens = { ours: senderToken('ours', relay.key), peer: senderToken('hyco', relay.key) };
        const sends = {
          ours: () => post(agents.ours, relay.port, '/ours/echo', { ServiceBusAuthorization: tokens.ours }, body),
          peer: () => post(agents.peer, relay.port, '/hyco/echo', { ServiceBusAuthorization: tokens.peer }, body),
          limit: () => post(agents.limit, direct.info.port, '/echo', {}, body),
        };
        const names = { ours: 'HybridConnectionListener + requestHandler (node entry), via our emulator', peer: 'hyco-https 1.4.5 createRelayedServer, via our emulator', limit: 'direct node:http echo server' };
        const cases = [];
        const cpu = cpuShares();
        const servers = { ours: { emulator: relay.emulator, listener: relay.ours }, peer: { emulator: relay.emulator, listener: relay.hyco }, limit: { server: direct } };
        const ms = ctx.roundMs(roundMs);
        for (const [caseId, label, concurrency] of [['seq', `${sizeLabel}, sequential`, 1], ['c32', `${sizeLabel}, 32 concurrent`, 32]]) {
          const measured = await alternate(
            Object.fromEntries(Object.keys(sends).map((key) => [key, { name: names[key], run: cpu.wrap(`${caseId} ${key}`, servers[key], () => rate(sends[key], concurrency, ms)) }])),
            { rounds: ctx.rounds, warmup: ctx.warmup, deadline: ctx.deadline - (caseId === 'seq' ? (ctx.deadline - performance.now()) / 2 : 0) },
          );
          cases.push(finishCase({ id: caseId, label, unit: 'req/s', better: 'higher', ratio: { against: 'peer' }, goal: { op: '>=', value: 1.5, text: '≥ 1.5× hyco-https' } }, measured));
        }
        ctx.notes.push(`Share of a core per round (median; the harness is the sender): ${cpu.describe()}.`);
        ctx.notes.push(`POST of a ${sizeLabel} body, echoed back by the listener (so ${sizeLabel} each way); keep-alive node:http Agent; token in the ServiceBusAuthorization header, minted once; ${Math.round(ms)} ms rounds.`);
        for (const agent of Object.values(agents)) agent.destroy();
        return cases;
      } finally {
        await direct.stop();
        await relay.stop();
      }
    },
  };
}

export const relayHttp100 = relayHttpRow({ id: 'relay-http-100b', title: 'Relay HTTP via the emulator, 100 B', size: 100, sizeLabel: '100 B', roundMs: 1000 });
export const relayHttp1mb = relayHttpRow({ id: 'relay-http-1mb', title: 'Relay HTTP via the emulator, 1 MB', size: 1024 * 1024, sizeLabel: '1 MB', roundMs: 1200 });
