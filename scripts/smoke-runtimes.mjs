#!/usr/bin/env node
// Runs test/runtimes/smoke-checks.mjs against the built package (dist/) in Node 22, Deno, Bun and
// workerd, each importing "azure-realtime" by name. Needs `npm run build` and `npm ci --prefix test/runtimes`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { linkSelf } from './link-self.mjs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runtimes = join(root, 'test/runtimes');
const bin = (name) => join(runtimes, 'node_modules/.bin', name);

if (!existsSync(join(root, 'dist/node/index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
if (!existsSync(bin('deno'))) throw new Error('runtimes are missing: run `npm ci --prefix test/runtimes` first');

// Resolve the package by name from test/runtimes, as a user's project would.
linkSelf(runtimes);

function run(label, command, args) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: runtimes, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  const line = (result.stdout ?? '').trim().split('\n').filter(Boolean).pop() ?? '';
  try {
    return { label, results: JSON.parse(line), ms: Date.now() - started };
  } catch {
    return { label, results: [{ name: 'run', ok: false, detail: `exit ${result.status}: ${(result.stderr || result.stdout || String(result.error)).slice(0, 800)}` }] };
  }
}

async function runWorkerd() {
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
  const mf = new Miniflare({ modules: true, scriptPath: join(outDir, 'worker.mjs'), compatibilityDate: '2025-09-01' });
  try {
    const response = await mf.dispatchFetch('http://smoke.local/');
    return { label: 'workerd (miniflare)', results: await response.json(), ms: Date.now() - started };
  } finally {
    await mf.dispose();
  }
}

const runs = [
  run('node 22', bin('node'), ['smoke-cli.mjs']),
  run('deno', bin('deno'), ['run', '--allow-read', '--allow-env', '--allow-sys', 'smoke-cli.mjs']),
  run('bun', bin('bun'), ['smoke-cli.mjs']),
];
try {
  runs.push(await runWorkerd());
} catch (error) {
  runs.push({ label: 'workerd (miniflare)', results: [{ name: 'run', ok: false, detail: String(error?.stack ?? error).slice(0, 800) }] });
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
