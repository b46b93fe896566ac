#!/usr/bin/env node
// Runs test/runtimes/smoke-checks.mjs against the built package (dist/) in Node 22, Deno, Bun and
// workerd, each importing "azure-realtime" by name. Needs `npm run build` and `npm install --prefix test/runtimes`.
// Web PubSub, Relay and Event Hubs emulators run in this process meanwhile; each runtime gets their
// connection strings (WPS_, RELAY_, EVENTHUBS_CONNECTION_STRING: environment variables, or miniflare
// bindings for workerd).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { linkSelf, root } from './link-self.mjs';

const runtimes = join(root, 'test/runtimes');
const bin = (name) => join(runtimes, 'node_modules/.bin', name);

if (!existsSync(join(root, 'dist/node/index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
if (!existsSync(bin('deno'))) throw new Error('runtimes are missing: run `npm install --prefix test/runtimes` first');

// Resolve the package by name from test/runtimes, as a user's project would.
linkSelf(runtimes);

// Asynchronous (not spawnSync): the emulator in this process must keep answering while a runtime runs.
function run(label, command, args, env) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: runtimes, env: { ...process.env, ...env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const finish = (status, error) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').filter(Boolean).pop() ?? '';
      try {
        resolve({ label, results: JSON.parse(line), ms: Date.now() - started });
      } catch {
        resolve({ label, results: [{ name: 'run', ok: false, detail: `exit ${status}: ${(stderr || stdout || String(error)).slice(0, 800)}` }] });
      }
    };
    child.on('error', (error) => finish(null, error));
    child.on('close', (status) => finish(status));
  });
}

async function runWorkerd(env) {
  const started = Date.now();
  const outDir = join(runtimes, '.build');
  mkdirSync(outDir, { recursive: true });
  const emptyModule = join(outDir, 'empty.cjs');
  writeFileSync(emptyModule, 'module.exports = {};\n');
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(runtimes, 'smoke-worker.mjs')],
    bundle: true,
    format: 'esm',
    // 'browser' (not 'neutral') so package.json `browser` maps apply: rhea's drop fs/net/tls, debug's
    // picks its browser file. The `browser` condition already chose the package's browser build.
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    // rhea still requires os and path as it loads; a bundler for pages stubs them the same way.
    alias: { os: emptyModule, path: emptyModule },
    outfile: join(outDir, 'worker.mjs'),
    nodePaths: [join(runtimes, 'node_modules')],
    logLevel: 'error',
  });
  const { Miniflare } = await import(join(runtimes, 'node_modules/miniflare/dist/src/index.js'));
  const mf = new Miniflare({ modules: true, scriptPath: join(outDir, 'worker.mjs'), compatibilityDate: '2025-09-01', bindings: env });
  try {
    const response = await mf.dispatchFetch('http://smoke.local/');
    return { label: 'workerd (miniflare)', results: await response.json(), ms: Date.now() - started };
  } finally {
    await mf.dispose();
  }
}

const { startWebPubSubEmulator } = await import(join(root, 'dist/emulator/webpubsub/index.js'));
const { startRelayEmulator } = await import(join(root, 'dist/emulator/relay/index.js'));
const { startEventHubsEmulator } = await import(join(root, 'dist/emulator/eventhubs/index.js'));
// The Event Hubs emulator's log names the transport of each AMQP connection: the evidence of how the
// SDK reached it from each runtime (TCP where it sees Node, WebSocket elsewhere).
let amqpTransports = [];
const logAmqp = (line) => {
  const transport = /accepted an AMQP connection over (\w+)/.exec(line)?.[1];
  if (transport) amqpTransports.push(transport);
};
// The Relay emulator's log says how each HTTP request reached the listener: the evidence that the
// 100 kB requests really took the rendezvous path.
let relayRoutes = [];
const logRelay = (line) => {
  const route = /relay: request \S+ \((\d+) bytes\) via (control channel|rendezvous)/.exec(line);
  if (route) relayRoutes.push(`${route[1]} B via ${route[2]}`);
};
const emulators = await Promise.all([
  startWebPubSubEmulator({ port: 0 }),
  startRelayEmulator({ port: 0, log: logRelay }),
  startEventHubsEmulator({ port: 0, log: logAmqp }),
]);
const [webpubsub, relay, eventhubs] = emulators;
const env = {
  WPS_CONNECTION_STRING: webpubsub.connectionString,
  RELAY_CONNECTION_STRING: relay.connectionString,
  EVENTHUBS_CONNECTION_STRING: eventhubs.connectionString,
};
const runs = [];
/**
 * Runs one runtime, then adds a check on the transports the Event Hubs emulator saw meanwhile, in
 * order, repeats collapsed (the Event Hubs checks run one after the other in each runtime).
 */
async function runAndCheckTransport(expected, start) {
  amqpTransports = [];
  relayRoutes = [];
  const result = await start();
  const seen = amqpTransports.filter((t, i) => t !== amqpTransports[i - 1]).join(' then ') || 'no connection';
  result.results.push({ name: `Event Hubs emulator saw the SDK connect over ${expected}`, ok: seen === expected, detail: seen === expected ? undefined : `saw ${seen}` });
  // Two Relay bindings per runtime, each with one small and one 100 kB request.
  const routes = relayRoutes.join(', ');
  const expectedRoutes = '4 B via control channel, 100000 B via rendezvous, 4 B via control channel, 100000 B via rendezvous';
  result.results.push({ name: 'Relay emulator carried the 4 B requests on the control channel, the 100 kB ones over rendezvous', ok: routes === expectedRoutes, detail: routes === expectedRoutes ? undefined : `saw ${routes || 'none'}` });
  runs.push(result);
}
// Node-like runtimes: the SDK's default (TCP), then the global WebSocket passed in; workerd has no TCP
// socket, and the SDK's browser build (chosen by the `browser` condition) takes the global WebSocket.
const nodeLike = 'tcp then ws';
try {
  await runAndCheckTransport(nodeLike, () => run('node 22', bin('node'), ['smoke-cli.mjs'], env));
  await runAndCheckTransport(nodeLike, () => run('deno', bin('deno'), ['run', '--allow-read', '--allow-env', '--allow-sys', '--allow-net', 'smoke-cli.mjs'], env));
  await runAndCheckTransport(nodeLike, () => run('bun', bin('bun'), ['smoke-cli.mjs'], env));
  await runAndCheckTransport('ws', () =>
    runWorkerd(env).catch((error) => ({ label: 'workerd (miniflare)', results: [{ name: 'run', ok: false, detail: String(error?.stack ?? error).slice(0, 800) }] })),
  );
} finally {
  await Promise.allSettled(emulators.map((emulator) => emulator.close()));
}

let passed = 0;
let failed = 0;
for (const { label, results, ms } of runs) {
  const version = label === 'node 22' ? spawnSync(bin('node'), ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
  console.log(`${label} ${version}${ms ? ` (${ms} ms)` : ''}`);
  for (const r of results) {
    console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.detail ? ` — ${r.detail}` : ''}`);
    if (r.ok) passed++;
    else failed++;
  }
}
console.log(`smoke: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
