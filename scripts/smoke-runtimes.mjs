#!/usr/bin/env node
// Runs test/runtimes/smoke-checks.mjs against the built package (dist/) in Node 22, Deno, Bun and
// workerd, each importing "azure-realtime" by name. Needs `npm run build` and `npm install --prefix test/runtimes`.
// A Web PubSub emulator runs in this process meanwhile; each runtime gets its connection string
// (WPS_CONNECTION_STRING: an environment variable, or a miniflare binding for workerd).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { linkSelf } from './link-self.mjs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
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
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(runtimes, 'smoke-worker.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
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
const emulator = await startWebPubSubEmulator({ port: 0 });
const env = { WPS_CONNECTION_STRING: emulator.connectionString };
const runs = [];
try {
  runs.push(await run('node 22', bin('node'), ['smoke-cli.mjs'], env));
  runs.push(await run('deno', bin('deno'), ['run', '--allow-read', '--allow-env', '--allow-sys', '--allow-net', 'smoke-cli.mjs'], env));
  runs.push(await run('bun', bin('bun'), ['smoke-cli.mjs'], env));
  try {
    runs.push(await runWorkerd(env));
  } catch (error) {
    runs.push({ label: 'workerd (miniflare)', results: [{ name: 'run', ok: false, detail: String(error?.stack ?? error).slice(0, 800) }] });
  }
} finally {
  await emulator.close();
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
