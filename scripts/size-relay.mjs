// Prints the min+gzip size of a browser bundle holding the Relay listener and client, imported
// from src/core/relay/index.ts. Split like Vite/Rollup would: the @noble/hashes fallback that the
// core loads only where crypto.subtle is missing is a lazy chunk and is reported separately.
// Usage: node scripts/size-relay.mjs [--json]
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const GOAL_BYTES = 5 * 1024;

async function measure(label, contents) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile: 'relay-entry.ts' },
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    target: 'es2022',
    outdir: 'size-relay-out', // not written: write is false
    write: false,
    metafile: true,
  });
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((path) => outputs[path].entryPoint);
  const eager = new Set();
  const walk = (path) => {
    if (eager.has(path)) return;
    eager.add(path);
    for (const dependency of outputs[path].imports) if (dependency.kind === 'import-statement') walk(dependency.path);
  };
  walk(entry);
  const byPath = new Map(result.outputFiles.map((file) => [file.path.slice(file.path.indexOf('size-relay-out')), file.text]));
  const code = (paths) => Buffer.from(paths.map((path) => byPath.get(path.slice(path.indexOf('size-relay-out')))).join('\n'));
  const eagerCode = code([...eager]);
  const lazyPaths = Object.keys(outputs).filter((path) => !eager.has(path));
  const modules = [...eager].flatMap((path) => Object.entries(outputs[path].inputs)).filter(([, info]) => info.bytesInOutput > 0);
  return {
    label,
    minBytes: eagerCode.length,
    gzipBytes: gzipSync(eagerCode, { level: 9 }).length,
    lazyGzipBytes: lazyPaths.length ? gzipSync(code(lazyPaths), { level: 9 }).length : 0,
    nodeImports: /["']node:|require\(["']ws["']\)/.test(eagerCode.toString()),
    modules: modules.map(([input, info]) => [input, info.bytesInOutput]).sort((a, b) => b[1] - a[1]),
  };
}

const results = [
  await measure('HybridConnectionListener + HybridConnectionClient', `export { HybridConnectionListener, HybridConnectionClient } from './src/core/relay/index.ts';`),
  await measure('HybridConnectionListener only', `export { HybridConnectionListener } from './src/core/relay/index.ts';`),
  await measure('HybridConnectionClient only', `export { HybridConnectionClient } from './src/core/relay/index.ts';`),
];

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(results));
} else {
  for (const r of results) {
    const lazy = r.lazyGzipBytes ? ` (+ ${r.lazyGzipBytes} B lazy @noble/hashes chunk, only without crypto.subtle)` : '';
    console.log(`${r.label}: ${r.minBytes} B min, ${r.gzipBytes} B min+gzip = ${(r.gzipBytes / 1024).toFixed(2)} kB${lazy}${r.nodeImports ? ' — WITH Node imports' : ''}`);
  }
  console.log('largest modules in the listener + client bundle (min bytes):');
  for (const [input, bytes] of results[0].modules) console.log(`  ${bytes}\t${input}`);
  const main = results[0];
  console.log(`goal < ${GOAL_BYTES} B min+gzip: ${main.gzipBytes < GOAL_BYTES ? 'met' : `NOT met (${main.gzipBytes - GOAL_BYTES} B over)`}`);
}
