// min+gzip size of a browser bundle of the Web PubSub service client with token minting, imported
// from the public webpubsub entry (so tree-shaking of the rest of that entry is part of the result).
// Code-split like a browser bundler (Vite/Rollup) would: the @noble/hashes fallback that getDefaultHmac
// loads only where crypto.subtle is missing (insecure origins) is a lazy chunk, reported apart.
// Usage: node scripts/size-webpubsub.mjs [--json]
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const GOAL_BYTES = 5 * 1024;

async function measure(name, contents) {
  const outdir = mkdtempSync(join(tmpdir(), 'wps-size-'));
  try {
    const result = await build({
      stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'entry.ts' },
      bundle: true,
      minify: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      conditions: ['browser'],
      target: 'es2022',
      outdir,
      write: false,
      metafile: true,
    });
    const outputs = result.metafile.outputs;
    const entry = Object.keys(outputs).find((path) => outputs[path].entryPoint);
    // Eager = the entry chunk and what it imports statically; dynamic imports are lazy.
    const eager = new Set();
    const visit = (path) => {
      if (eager.has(path)) return;
      eager.add(path);
      for (const dep of outputs[path].imports) if (dep.kind === 'import-statement') visit(dep.path);
    };
    visit(entry);
    const files = new Map(result.outputFiles.map((file) => [basename(file.path), file]));
    const text = (paths) => [...paths].map((path) => files.get(basename(path)).text).join('\n');
    const eagerCode = Buffer.from(text(eager));
    const lazy = Object.keys(outputs).filter((path) => !eager.has(path));
    const lazyCode = Buffer.from(text(lazy));
    const modules = [...eager].flatMap((path) => Object.entries(outputs[path].inputs).filter(([, v]) => v.bytesInOutput > 0).map(([input, v]) => [input, v.bytesInOutput]));
    return {
      name,
      minBytes: eagerCode.length,
      gzipBytes: gzipSync(eagerCode, { level: 9 }).length,
      lazyGzipBytes: lazy.length > 0 ? gzipSync(lazyCode, { level: 9 }).length : 0,
      nodeImports: /["']node:/.test(eagerCode.toString()),
      modules,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const results = [
  await measure('WebPubSubServiceClient (REST + client token minting)', `export { WebPubSubServiceClient } from './src/core/webpubsub/index.ts';`),
  await measure('mintClientAccessToken only', `export { mintClientAccessToken } from './src/core/webpubsub/index.ts';`),
  await measure(
    'service client + event handler + negotiate handler',
    `export { WebPubSubServiceClient, createWebPubSubEventHandler, createNegotiateHandler } from './src/core/webpubsub/index.ts';`,
  ),
];

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(results));
} else {
  for (const r of results) {
    const lazy = r.lazyGzipBytes ? ` (+ ${r.lazyGzipBytes} B lazy @noble/hashes chunk, loaded only without crypto.subtle)` : '';
    console.log(`${r.name}: ${r.minBytes} B min, ${r.gzipBytes} B min+gzip = ${(r.gzipBytes / 1024).toFixed(2)} kB${lazy}${r.nodeImports ? ' — WITH node: imports' : ''}`);
  }
  console.log('largest modules in the service client bundle (min bytes):');
  for (const [input, bytes] of results[0].modules.sort((a, b) => b[1] - a[1])) console.log(`  ${bytes}\t${input}`);
  const main = results[0];
  console.log(`goal < ${GOAL_BYTES} B min+gzip for the service client: ${main.gzipBytes < GOAL_BYTES ? 'met' : `NOT met (${main.gzipBytes - GOAL_BYTES} B over)`}`);
}
