#!/usr/bin/env node
// Prints the min+gzip size of browser bundles of the built package (dist/), imported by name the
// way an app's bundler would ("browser" condition). createSasToken alone must stay under 3 kB
// (issue 2). Lazy chunks (noble HMAC, loaded only where crypto.subtle is missing) are listed apart.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { linkSelf } from './link-self.mjs';

const nodePaths = [linkSelf()];

const BUNDLES = [
  { name: 'createSasToken', code: "export { createSasToken } from 'azure-realtime/browser';", limit: 3000 },
  { name: 'SAS create + verify + token provider', code: "export { createSasToken, verifySasToken, createSasTokenProvider } from 'azure-realtime/browser';" },
  { name: 'Web PubSub client token (mintClientAccessToken)', code: "export { mintClientAccessToken } from 'azure-realtime/browser';" },
  { name: 'whole browser entry', code: "export * from 'azure-realtime/browser';" },
];

async function measure({ name, code }) {
  const dir = mkdtempSync(join(tmpdir(), 'ar-size-'));
  try {
    writeFileSync(join(dir, 'entry.mjs'), code);
    await esbuild.build({
      entryPoints: [join(dir, 'entry.mjs')],
      bundle: true,
      minify: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      outdir: join(dir, 'out'),
      nodePaths,
      logLevel: 'error',
    });
    const files = readdirSync(join(dir, 'out'));
    const size = (file) => {
      const bytes = readFileSync(join(dir, 'out', file));
      return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    };
    const entry = size('entry.js');
    const lazy = files.filter((f) => f !== 'entry.js').map(size).reduce((sum, s) => sum + s.gzip, 0);
    return { name, ...entry, lazy };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let failed = 0;
let passed = 0;
for (const bundle of BUNDLES) {
  const result = await measure(bundle);
  const verdict = bundle.limit === undefined ? '' : result.gzip < bundle.limit ? `  (limit ${bundle.limit} B: ok)` : `  (limit ${bundle.limit} B: OVER)`;
  if (bundle.limit !== undefined) result.gzip < bundle.limit ? passed++ : failed++;
  console.log(`${result.name.padEnd(48)} ${String(result.min).padStart(7)} B min  ${String(result.gzip).padStart(6)} B min+gzip${result.lazy ? `  (+${result.lazy} B gzip lazy chunk)` : ''}${verdict}`);
}
console.log(`size: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
