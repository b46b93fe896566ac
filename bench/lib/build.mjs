// Bundles the current TypeScript sources (not dist/) with esbuild once per run, so the harness
// measures the tree as it is without `npm run build` and without touching the shared dist/.
// Dependencies stay external (resolved from node_modules); a linked source map lets the profile
// summary (profile.mjs) name src/ files. Each run gets its own folder: two runs may overlap.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CACHE = join(ROOT, 'node_modules/.cache/azure-realtime-bench');

const ENTRIES = {
  emulator: 'src/emulator/index.ts',
  node: 'src/node/index.ts',
};

/** Builds into a fresh folder and returns it; `BENCH_BUILD` tells child processes where it is. */
export async function buildSources() {
  const dir = join(CACHE, `run-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    outdir: dir,
    logLevel: 'error',
  });
  process.env.BENCH_BUILD = dir;
  return dir;
}

export function removeBuild(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/** Imports one of the bundles (`emulator` or `node`) from the folder named by BENCH_BUILD. */
export function importOurs(entry) {
  const dir = process.env.BENCH_BUILD;
  if (!dir) throw new Error('BENCH_BUILD is not set: run through bench/run.mjs');
  return import(pathToFileURL(join(dir, `${entry}.js`)).href);
}
