import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// Child processes and workers run plain JavaScript: bundle a TypeScript entry (our sources
// inlined, node_modules left as imports) into test-output/, inside the repo so those imports
// resolve. Bundling from src (not dist) fuzzes the code as it is in the working tree.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const outDir = `${root}test-output/reliability`;

/** Bundles of test workers that have ended (vitest may stop a worker without its `exit` event). */
function removeStaleBundles(): void {
  for (const file of readdirSync(outDir)) {
    const pid = Number(/-(\d+)\.mjs$/.exec(file)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(`${outDir}/${file}`, { force: true });
    }
  }
}

export async function bundle(entry: string, name: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  removeStaleBundles();
  const outfile = `${outDir}/${name}-${process.pid}.mjs`;
  await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  return outfile;
}
