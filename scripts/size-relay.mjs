// Prints the min+gzip size of a browser bundle holding the Relay listener and client, imported
// from src/core/relay/index.ts. Split like Vite/Rollup would: code loaded by dynamic import (the
// @noble/hashes fallback, only where crypto.subtle is missing) lands in lazy chunks, reported one
// by one after the eager size.
// Usage: node scripts/size-relay.mjs [--json | --breakdown]
// --breakdown: what each eager module costs, as the min+gzip bytes the listener + client bundle
// loses when that module's code is left out (gzip shares strings across modules, so a module's
// own min+gzip size would overstate it).
import { build, transform } from 'esbuild';
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
  // Each lazy chunk with the source files in it (@noble/hashes: loaded only without crypto.subtle).
  const lazy = lazyPaths.map((path) => ({
    gzipBytes: gzipSync(code([path]), { level: 9 }).length,
    inputs: Object.entries(outputs[path].inputs).filter(([, info]) => info.bytesInOutput > 0).map(([input]) => input.replace(/^.*node_modules\//, '')),
  }));
  return {
    label,
    minBytes: eagerCode.length,
    gzipBytes: gzipSync(eagerCode, { level: 9 }).length,
    lazy,
    nodeImports: /["']node:|require\(["']ws["']\)/.test(eagerCode.toString()),
    modules: modules.map(([input, info]) => [input, info.bytesInOutput]).sort((a, b) => b[1] - a[1]),
  };
}

const ENTRY = `export { HybridConnectionListener, HybridConnectionClient } from './src/core/relay/index.ts';`;
const results = [
  await measure('HybridConnectionListener + HybridConnectionClient', ENTRY),
  await measure('HybridConnectionListener only', `export { HybridConnectionListener } from './src/core/relay/index.ts';`),
  await measure('HybridConnectionClient only', `export { HybridConnectionClient } from './src/core/relay/index.ts';`),
];

async function breakdown() {
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: root, loader: 'ts', sourcefile: 'relay-entry.ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    target: 'es2022',
    write: false,
    external: ['*crypto-noble.js'], // the lazy chunk
  });
  // Unminified output marks each module with a `// path` line; the export statement is dropped
  // so that a module left out does not break minification.
  const text = result.outputFiles[0].text.replace(/^export \{[^}]*\};?\s*$/m, '');
  const parts = text.split(/^(?=\/\/ (?:src|node_modules)\/)/m);
  const gzipOf = async (code) => gzipSync((await transform(code, { minify: true, loader: 'js', format: 'esm' })).code, { level: 9 }).length;
  const full = await gzipOf(text);
  const rows = [];
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i].split('\n')[0];
    if (name.startsWith('// ')) rows.push([full - (await gzipOf(parts.filter((_, j) => j !== i).join(''))), name.slice(3)]);
  }
  console.log(`eager listener + client: ${full} B min+gzip; each module's share (B min+gzip lost without it):`);
  for (const [bytes, name] of rows.sort((a, b) => b[0] - a[0])) console.log(`  ${bytes}\t${name}`);
  console.log(`  ${full - rows.reduce((sum, [bytes]) => sum + bytes, 0)}\tshared by all (gzip dictionary, runtime helpers)`);
}

if (process.argv.includes('--breakdown')) {
  await breakdown();
} else if (process.argv.includes('--json')) {
  console.log(JSON.stringify(results));
} else {
  for (const r of results) {
    console.log(`${r.label}: ${r.minBytes} B min, ${r.gzipBytes} B min+gzip = ${(r.gzipBytes / 1024).toFixed(2)} kB eager${r.nodeImports ? ' — WITH Node imports' : ''}`);
    for (const chunk of r.lazy) console.log(`  + lazy chunk ${chunk.gzipBytes} B min+gzip: ${chunk.inputs.join(', ')}`);
  }
  console.log('largest modules in the listener + client bundle (min bytes):');
  for (const [input, bytes] of results[0].modules) console.log(`  ${bytes}\t${input}`);
  const main = results[0];
  console.log(`goal < ${GOAL_BYTES} B min+gzip: ${main.gzipBytes < GOAL_BYTES ? 'met' : `NOT met (${main.gzipBytes - GOAL_BYTES} B over)`}`);
}
