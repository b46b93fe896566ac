#!/usr/bin/env node
// min+gzip size of browser bundles of the built package (dist/), imported by name with the
// "browser" condition as an app's bundler would. Code-split like Vite/Rollup: what the entry loads
// statically counts; the @noble/hashes fallback that loads only where crypto.subtle is missing is a
// lazy chunk, reported apart. Limits are the issues' goals; `--json` prints the numbers only;
// `--modules` lists what each bundle spends its minified bytes on.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { splitEager } from './eager-bundle.mjs';
import { linkSelf } from './link-self.mjs';

const nodePaths = [linkSelf()];

// `limit`: an issue's goal (enforced where `enforced`, else reported). `ceiling`: today's size plus
// about 5%, enforced so that a bundle cannot grow unnoticed; raise it on purpose when a feature
// is worth the bytes.
const BUNDLES = [
  { name: 'createSasToken', names: 'createSasToken', limit: 3000, issue: 2, enforced: true },
  { name: 'SAS create + verify + token provider', names: 'createSasToken, verifySasToken, createSasTokenProvider', ceiling: 2650 },
  // The listener's channel (frames, accept, HTTP mode, renewal), the dial and fetch load on first use.
  { name: 'Relay listener + client', names: 'HybridConnectionListener, HybridConnectionClient', limit: 5120, issue: 4, enforced: true, ceiling: 4780 },
  // +150 B on purpose: the REST operations are one table shared with the emulator (core/webpubsub/rest-spec.ts,
  // with the success status of each and the two the client calls by hand), issue 13.
  // The REST failure path (retry delays, error decoding) loads on the first failure (rest-failure.ts).
  { name: 'Web PubSub service client (REST + token minting)', names: 'WebPubSubServiceClient', limit: 5120, issue: 6, enforced: true, ceiling: 5170 },
  { name: 'Web PubSub mintClientAccessToken', names: 'mintClientAccessToken', ceiling: 1600 },
  { name: 'Web PubSub service client + event + negotiate handlers', names: 'WebPubSubServiceClient, createWebPubSubEventHandler, createNegotiateHandler', ceiling: 7950 },
  // The factories load @azure/event-hubs on first call: the SDK shows as the lazy part. rhea requires
  // `os` and `path` (unused in browsers); empty modules stand in, as Vite's browser-external does.
  // Its own entry: the SDK behind it needs `os`/`path` stubs in bundlers (docs/eventhubs-client.md).
  { name: 'Event Hubs producer + consumer factories', names: 'createEventHubProducerClient, createEventHubConsumerClient', from: 'azure-realtime/eventhubs', emptyModules: ['os', 'path'], ceiling: 3350 },
];

// Resolves the named bare imports to an empty module (a bundler's browser stub for a Node built-in).
const emptyModulesPlugin = (names) => ({
  name: 'empty-modules',
  setup(build) {
    const filter = new RegExp(`^(${names.join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'empty-module' }));
    build.onLoad({ filter: /.*/, namespace: 'empty-module' }, () => ({ contents: 'export default {};', loader: 'js' }));
  },
});

async function measure({ names, from, emptyModules = [] }) {
  const dir = mkdtempSync(join(tmpdir(), 'ar-size-'));
  try {
    const specifier = from ?? 'azure-realtime/browser';
    writeFileSync(join(dir, 'entry.mjs'), `export { ${names} } from ${JSON.stringify(specifier)};`);
    const result = await esbuild.build({
      entryPoints: [join(dir, 'entry.mjs')],
      bundle: true,
      minify: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outdir: join(dir, 'out'),
      nodePaths,
      write: false,
      metafile: true,
      logLevel: 'error',
      plugins: emptyModules.length ? [emptyModulesPlugin(emptyModules)] : [],
    });
    const { outputs, eager: eagerPaths, lazy: lazyPaths, code, gzip } = splitEager(result);
    const eagerCode = code(eagerPaths);
    const modules = eagerPaths
      .flatMap((p) => Object.entries(outputs[p].inputs))
      .filter(([, v]) => v.bytesInOutput > 0)
      .map(([input, v]) => [input.replace(/^.*?\/dist\//, 'dist/'), v.bytesInOutput])
      .sort((a, b) => b[1] - a[1]);
    return { min: eagerCode.length, gzip: gzip(eagerPaths), lazy: gzip(lazyPaths), nodeImports: /["']node:/.test(eagerCode.toString()), modules };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const json = process.argv.includes('--json');
let passed = 0;
let failed = 0;
const rows = [];
for (const bundle of BUNDLES) {
  const size = await measure(bundle);
  rows.push({ ...bundle, ...size });
  if (size.nodeImports) failed++; // a browser bundle must never reach node: built-ins
  if (bundle.enforced) size.gzip < bundle.limit ? passed++ : failed++;
  if (bundle.ceiling !== undefined) size.gzip <= bundle.ceiling ? passed++ : failed++;
  if (json) continue;
  const goal = bundle.limit === undefined ? '' : `  goal < ${bundle.limit} B (issue ${bundle.issue}): ${size.gzip < bundle.limit ? 'met' : 'NOT met'}`;
  const lazy = size.lazy ? `  (+${size.lazy} B lazy)` : '';
  const ceiling = bundle.ceiling === undefined ? '' : size.gzip <= bundle.ceiling ? '' : `  OVER ITS CEILING ${bundle.ceiling} B`;
  console.log(`${bundle.name.padEnd(56)} ${String(size.min).padStart(7)} B min ${String(size.gzip).padStart(6)} B min+gzip${lazy}${goal}${ceiling}${size.nodeImports ? '  NODE IMPORTS' : ''}`);
  if (process.argv.includes('--modules')) for (const [input, bytes] of size.modules) console.log(`    ${String(bytes).padStart(6)} B min  ${input}`);
}
if (json) console.log(JSON.stringify(rows));
else console.log(`size: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
