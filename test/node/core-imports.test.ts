import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as browserEntry from '../../src/browser/index.js';
import * as nodeEntry from '../../src/node/index.js';

// docs/architecture.md "Rules of the core": src/core uses web-standard APIs only, and so do the entries
// that publish it for every runtime (src/browser, src/eventhubs, src/webpubsub-client).
const root = new URL('../../src/', import.meta.url).pathname;
const PORTABLE = ['core', 'browser', 'eventhubs', 'webpubsub-client'];
const FORBIDDEN = [
  /from\s+['"](node:[^'"]+|ws|isomorphic-ws|events|buffer|crypto|fs|path|os|http|https|net|tls|stream|util)['"]/,
  /import\(\s*['"](node:|ws['"]|isomorphic-ws)/,
  /\brequire\(/,
  /\bBuffer\./,
  /\bprocess\./,
  // Core takes ArrayBuffer / Uint8Array as they come; reaching into a view's backing `.buffer` is
  // how Node Buffer handling (pooled slabs) creeps in.
  /\.buffer\b/,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('src/core and the portable entries', () => {
  const files = PORTABLE.flatMap((dir) => sourceFiles(join(root, dir)));

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('imports no Node built-ins, ws, Buffer or process', () => {
    const offenders: string[] = [];
    for (const file of files) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, index) => {
        if (line.trimStart().startsWith('//') || line.trimStart().startsWith('*')) return;
        if (FORBIDDEN.some((pattern) => pattern.test(line))) offenders.push(`${relative(root, file)}:${index + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it('catches a forbidden import (the check can fail)', () => {
    expect(FORBIDDEN.some((pattern) => pattern.test("import { createHmac } from 'node:crypto';"))).toBe(true);
    expect(FORBIDDEN.some((pattern) => pattern.test('const b = Buffer.from(x);'))).toBe(true);
    expect(FORBIDDEN.some((pattern) => pattern.test('new Uint8Array(view.buffer, view.byteOffset)'))).toBe(true);
  });
});

// The published surface (package.json "exports" and the entry files): browsers get browser types,
// entries are short explicit lists, and core internals are not part of it.
describe('the package surface', () => {
  const repo = new URL('../../', import.meta.url).pathname;
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };

  it('gives browsers the browser types and Node the node types', () => {
    expect(pkg.exports['.']).toEqual({
      node: { types: './dist/node/index.d.ts', default: './dist/node/index.js' },
      default: { types: './dist/browser/index.d.ts', default: './dist/browser/index.js' },
    });
  });

  it('points no entry into dist/core internals', () => {
    const targets = JSON.stringify(pkg.exports);
    expect(targets).not.toMatch(/dist\/core\//);
    expect(pkg.exports['./eventhubs']).toEqual({ types: './dist/eventhubs/index.d.ts', default: './dist/eventhubs/index.js' });
    expect(pkg.exports['./webpubsub-client']).toEqual({ types: './dist/webpubsub-client/index.d.ts', default: './dist/webpubsub-client/index.js' });
  });

  // Files whose exports are explicit lists; an entry may join them with `export *`.
  const LISTS = [
    ...['core/index.ts', 'core/public-api.ts', 'core/relay/index.ts', 'core/relay/public-clients.ts', 'core/webpubsub/index.ts', 'core/eventhubs/index.ts', 'core/webpubsub/frames-types.ts'],
    // public-api.ts joins one list per module (its comment says why: bundle size).
    ...readdirSync(join(repo, 'src/core/public')).map((name) => `core/public/${name}`),
  ];
  const ENTRIES = ['node/index.ts', 'browser/index.ts', 'eventhubs/index.ts', 'webpubsub-client/index.ts', ...LISTS];

  it('keeps entries at most 80 lines, with `export *` only of explicit lists', () => {
    const offenders: string[] = [];
    for (const entry of ENTRIES) {
      const path = join(repo, 'src', entry);
      const text = readFileSync(path, 'utf8');
      if (text.split('\n').length > 80 && !LISTS.includes(entry)) offenders.push(`${entry}: over 80 lines`);
      for (const [, target] of text.matchAll(/export (?:type )?\* from '([^']+)'/g)) {
        const resolved = relative(join(repo, 'src'), join(path, '..', target!.replace(/\.js$/, '.ts')));
        if (!LISTS.includes(resolved)) offenders.push(`${entry}: export * from ${resolved}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('publishes no core internals', () => {
    for (const entry of [browserEntry, nodeEntry] as Record<string, unknown>[]) {
      for (const name of ['resolveExpiry', 'stripHcSegment', 'getDefaultHmac', 'hmacSha256', 'clientTokenMinter', 'resolveWebSocket', 'parseConnectionStringPairs', 'readPayload']) {
        expect(name in entry, name).toBe(false);
      }
      expect(typeof entry.createSasToken).toBe('function');
      expect(typeof entry.resolveRuntime).toBe('function');
    }
    expect(nodeEntry.createSasToken).not.toBe(browserEntry.createSasToken);
  });

  // An app type-checked for browsers (the `browser` condition) imports the built package by name: it must
  // get the browser declarations, which need neither the Node ones nor @types/node (node:http and friends).
  // Needs `npm run build`, as the examples do.
  it.skipIf(!existsSync(join(repo, 'dist/browser/index.d.ts')))('gives a browser app the browser declarations, without @types/node', () => {
    const dir = join(repo, 'test-output/browser-types');
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    if (!existsSync(join(dir, 'node_modules/azure-realtime'))) symlinkSync(repo, join(dir, 'node_modules/azure-realtime'), 'dir');
    const compilerOptions = { target: 'es2022', module: 'esnext', moduleResolution: 'bundler', customConditions: ['browser'], lib: ['es2022', 'dom'], types: [], strict: true, noEmit: true };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['app.ts'] }));
    writeFileSync(
      join(dir, 'app.ts'),
      "import { createSasToken, HybridConnectionListener, WebPubSubServiceClient } from 'azure-realtime';\n" +
        'export const used = [createSasToken, HybridConnectionListener, WebPubSubServiceClient];\n',
    );
    const result = spawnSync(join(repo, 'node_modules/.bin/tsc'), ['-p', dir, '--listFiles'], { encoding: 'utf8' });
    const files = result.stdout.split('\n').filter((line) => line.endsWith('.d.ts'));
    expect(result.status, result.stdout).toBe(0);
    expect(files.some((file) => file.endsWith('/dist/browser/index.d.ts'))).toBe(true);
    expect(files.filter((file) => /\/dist\/node\/|@types\/node\//.test(file))).toEqual([]);
  });
});
