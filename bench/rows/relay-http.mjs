// Row 1: Relay HTTP through our emulator, req/s. The sender is a plain node:http client (keep-alive)
// posting to the emulator's HTTP front; the listener echoes the body. Ours: HybridConnectionListener
// with a requestHandler (node entry). Peer: hyco-https's listener behind the same emulator. Limit:
// the same client against a direct node:http echo server. Two more contestants are evidence of what
// bounds the row (bench/profiles/relay-http.md), not part of its goal: "ceiling", a listener that
// does no work (raw ws, pre-built response) behind the same emulator, and "bare hop", that
// listener behind the least a relay hop can be (roles/relay-forwarder-bare.mjs).
import { Agent, request } from 'node:http';
import { startChild } from '../lib/child.mjs';
import { cpuShares } from '../lib/cpu-share.mjs';
import { KEY_NAME, senderToken, startRelayPair } from '../lib/relay-setup.mjs';
import { alternate, finishCase, roundOptions } from '../lib/rounds.mjs';
import { median } from '../lib/stats.mjs';

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
  return { count, perSecond: (count * 1000) / (performance.now() - start) };
}

/** "1.12× (1.05–1.20)": the median of the round-by-round ratios a/b. */
function roundRatio(measured, a, b) {
  const ratios = measured[a].samples.map((value, i) => value / measured[b].samples[i]).filter(Number.isFinite);
  return `${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`;
}

function relayHttpRow({ id, title, size, sizeLabel, roundMs }) {
  return {
    id,
    title,
    goal: '≥ 1.5× hyco-https at 100 B and 1 MB, sequential and concurrent',
    bound: {
      profile: 'bench/profiles/relay-http.md',
      text: 'ours and hyco-https pass the same sender and emulator; only the listener differs. The row measures a listener that does no work ("ceiling") in the same rounds: where it stays under 1.5× hyco-https (32 concurrent, 1 MB), no listener design can reach the goal, and the emulator would have to cost less than a bare forwarder that checks nothing. At 100 B sequential the round trip is four process wake-ups in turn; only a listener spending about a third of hyco-https\'s time per request passes 1.5×, and ours builds the WHATWG Request and reads back the Response its handler API gives the app.',
    },
    profileRoles: ['relay-emulator', 'relay-listener-ours'],
    async run(ctx) {
      const relay = await startRelayPair();
      const direct = await startChild('http-echo');
      // The evidence contestants sit out a --profile run (it profiles our servers under our traffic only).
      const evidence = !roundOptions.oursOnly;
      const ceiling = evidence ? await startChild('relay-listener-ceiling', { port: relay.port, path: 'ceiling', keyName: KEY_NAME, key: relay.key, size }) : undefined;
      const bare = evidence ? await startChild('relay-forwarder-bare') : undefined;
      const bareListener = evidence ? await startChild('relay-listener-ceiling', { port: bare.info.port, path: 'bare', keyName: KEY_NAME, key: relay.key, size }, { label: 'relay-listener-ceiling-bare' }) : undefined;
      const agents = [];
      try {
        const body = Buffer.alloc(size, 'x');
        const agent = () => agents[agents.push(new Agent({ keepAlive: true, maxSockets: 32 })) - 1];
        // One token per contestant, minted up front (the sender's cost is not what is measured).
        const via = (path) => {
          const ownAgent = agent();
          const headers = { ServiceBusAuthorization: senderToken(path, relay.key) };
          return () => post(ownAgent, relay.port, `/${path}/echo`, headers, body);
        };
        const contestants = {
          ours: { name: 'HybridConnectionListener + requestHandler (node entry), via our emulator', send: via('ours'), servers: { emulator: relay.emulator, listener: relay.ours } },
          peer: { name: 'hyco-https 1.4.5 createRelayedServer, via our emulator', send: via('hyco'), servers: { emulator: relay.emulator, listener: relay.hyco } },
          limit: { name: 'direct node:http echo server', send: ((own) => () => post(own, direct.info.port, '/echo', {}, body))(agent()), servers: { server: direct } },
        };
        if (evidence) {
          contestants.ceiling = { name: 'ceiling: a listener that does no work (raw ws, pre-built response), via our emulator', send: via('ceiling'), servers: { emulator: relay.emulator, listener: ceiling } };
          contestants.bare = { name: 'the ceiling listener via a bare relay hop (node:http → ws, no auth, limits or rendezvous)', send: ((own) => () => post(own, bare.info.port, '/bare/echo', {}, body))(agent()), servers: { forwarder: bare, listener: bareListener } };
        }
        const cases = [];
        const cpu = cpuShares();
        const ms = ctx.roundMs(roundMs);
        const ratios = [];
        for (const [caseId, label, concurrency] of [['seq', `${sizeLabel}, sequential`, 1], ['c32', `${sizeLabel}, 32 concurrent`, 32]]) {
          const measured = await alternate(
            Object.fromEntries(Object.entries(contestants).map(([key, c]) => [key, { name: c.name, run: cpu.wrapCounted(`${caseId} ${key}`, c.servers, () => rate(c.send, concurrency, ms)) }])),
            { rounds: ctx.rounds, warmup: ctx.warmup, deadline: ctx.deadline - (caseId === 'seq' ? (ctx.deadline - performance.now()) / 2 : 0) },
          );
          cases.push(finishCase({ id: caseId, label, unit: 'req/s', better: 'higher', ratio: { against: 'peer' }, goal: { op: '>=', value: 1.5, text: '≥ 1.5× hyco-https' } }, measured));
          if (evidence) ratios.push(`${label}: ours/hyco-https ${roundRatio(measured, 'ours', 'peer')}, ceiling/hyco-https ${roundRatio(measured, 'ceiling', 'peer')}, bare hop/hyco-https ${roundRatio(measured, 'bare', 'peer')}`);
        }
        ctx.notes.push(`Share of a core per round (median; the harness is the sender): ${cpu.describe()}.`);
        ctx.notes.push(`CPU µs per request (median over rounds; the harness is the sender): ${cpu.perOp()}.`);
        if (evidence) ctx.notes.push(`Evidence, not the goal (bench/profiles/relay-http.md): the same rounds' ratios, median of the per-round ratios (range): ${ratios.join('; ')}. "ceiling" is a listener that does no work (raw ws, pre-built response) behind our emulator: no listener can do better behind it. "bare hop" is that listener behind a bare node:http → ws forwarder: the least a relay hop costs.`);
        ctx.notes.push(`POST of a ${sizeLabel} body, echoed back by the listener (so ${sizeLabel} each way); keep-alive node:http Agent; token in the ServiceBusAuthorization header, minted once; ${Math.round(ms)} ms rounds.`);
        return cases;
      } finally {
        for (const agent of agents) agent.destroy();
        for (const child of [bareListener, bare, ceiling, direct]) await child?.stop();
        await relay.stop();
      }
    },
  };
}

export const relayHttp100 = relayHttpRow({ id: 'relay-http-100b', title: 'Relay HTTP via the emulator, 100 B', size: 100, sizeLabel: '100 B', roundMs: 1000 });
export const relayHttp1mb = relayHttpRow({ id: 'relay-http-1mb', title: 'Relay HTTP via the emulator, 1 MB', size: 1024 * 1024, sizeLabel: '1 MB', roundMs: 1200 });
