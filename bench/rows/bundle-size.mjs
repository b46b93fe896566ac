// Row 10: browser bundle of the Relay listener + client, min+gzip, measured as scripts/size.mjs
// does (esbuild, code-split, what the entry loads statically), but from src/ so no build is needed.
// The peer is hyco-https (listener only; it has no sender) bundled for the browser with its Node
// built-ins shimmed: npm polyfills where one is installed, an empty module otherwise.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { splitEager } from '../../scripts/eager-bundle.mjs';
import { ROOT } from '../lib/build.mjs';
import { finishCase } from '../lib/rounds.mjs';

const NODE_BUILTINS = ['assert', 'buffer', 'crypto', 'events', 'http', 'https', 'net', 'stream', 'tls', 'url', 'util', 'zlib', 'os', 'path', 'fs'];

function shimPlugin(used) {
  return {
    name: 'node-shims',
    setup(build) {
      const filter = new RegExp(`^(node:)?(${NODE_BUILTINS.join('|')})/?$`);
      build.onResolve({ filter }, (args) => {
        const name = args.path.replace(/^node:/, '').replace(/\/$/, '');
        const polyfill = join(ROOT, 'node_modules', name, 'package.json');
        // `events`, `util`, `buffer` … resolve to their npm polyfill when installed; the first
        // import from hyco-https itself names the package, so look it up from the root.
        const main = existsSync(polyfill) && !args.path.endsWith('/') ? join(ROOT, 'node_modules', name, packageMain(name)) : undefined;
        if (main && existsSync(main)) {
          used.add(`${name} (npm polyfill)`);
          return { path: main };
        }
        used.add(`${name} (empty)`);
        return { path: name, namespace: 'empty-module' };
      });
      build.onLoad({ filter: /.*/, namespace: 'empty-module' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
    },
  };
}

function packageMain(name) {
  // The browser field, else main: what a browser bundler picks.
  const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'));
  return (typeof pkg.browser === 'string' ? pkg.browser : undefined) ?? pkg.main ?? 'index.js';
}

async function measure(source, { plugins = [], define } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-size-'));
  try {
    writeFileSync(join(dir, 'entry.mjs'), source);
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: [join(dir, 'entry.mjs')],
      bundle: true,
      minify: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outdir: join(dir, 'out'),
      nodePaths: [join(ROOT, 'node_modules')],
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins,
      ...(define ? { define } : {}),
    });
    const { outputs, eager, lazy, gzip } = splitEager(result);
    // Minified bytes each source module puts in the eager part (what `--profile bundle-size` lists).
    const modules = eager
      .flatMap((path) => Object.entries(outputs[path].inputs))
      .map(([input, { bytesInOutput }]) => [input.replace(/^.*?node_modules\//, 'node_modules/'), bytesInOutput])
      .filter(([, size]) => size > 0)
      .sort((a, b) => b[1] - a[1]);
    return { gzip: gzip(eager), lazy: gzip(lazy), modules };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const OURS_ENTRY = `export { HybridConnectionListener, HybridConnectionClient } from ${JSON.stringify(join(ROOT, 'src/browser/index.ts'))};`;

export const row = {
  id: 'bundle-size',
  title: 'Relay listener + client, browser bundle min+gzip',
  goal: '≤ 5 kB eager',
  /** `--profile bundle-size`: where the eager bundle's minified bytes come from. */
  async profileMarkdown() {
    const ours = await measure(OURS_ENTRY);
    const total = ours.modules.reduce((sum, [, size]) => sum + size, 0);
    return [
      '# Size profile: Relay listener + client, browser bundle',
      '',
      `\`node bench/run.mjs --profile bundle-size\`, ${new Date().toISOString()}: ${ours.gzip} B min+gzip eager, ${total} B minified, by source module (minified bytes before gzip):`,
      '',
      '| minified | share | module |',
      '|---:|---:|---|',
      ...ours.modules.map(([input, size]) => `| ${size} B | ${((100 * size) / total).toFixed(1)}% | ${input} |`),
      '',
    ].join('\n');
  },
  async run(ctx) {
    const ours = await measure(OURS_ENTRY);
    const used = new Set();
    const peer = await measure(`import hyco from 'hyco-https'; export default hyco;`, { plugins: [shimPlugin(used)], define: { global: 'globalThis' } });
    ctx.notes.push(
      `Ours: \`export { HybridConnectionListener, HybridConnectionClient }\` from src/browser/index.ts, minified, code-split; the eager part counts${ours.lazy ? ` (lazy chunks: ${ours.lazy} B more)` : ''}.`,
      `hyco-https 1.4.5 (whole module: it is a listener only and has no sender) needs these Node built-ins shimmed: ${[...used].sort().join(', ')}; its \`ws\` 6 resolves to ws's browser stub, which throws, so the bundle does not run in a browser as is.`,
      'Size, not time: one measurement, no rounds.',
    );
    const value = (bytes) => ({ samples: [bytes / 1000] });
    return [
      finishCase(
        { id: 'gzip', label: 'min+gzip, eager', unit: 'kB', better: 'lower', ratio: { against: 'peer', formula: 'ours/x' }, goal: undefined },
        { ours: { name: 'azure-realtime/browser listener + client', ...value(ours.gzip) }, peer: { name: 'hyco-https 1.4.5 with shims', ...value(peer.gzip) } },
      ),
    ].map((c) => ({ ...c, goal: { op: '<=', value: 5, text: '≤ 5 kB', met: c.contestants.ours.median <= 5 } }));
  },
};
