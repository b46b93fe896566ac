// End-to-end test of azure-realtime/vite and the IndexedDB checkpoint store in Chromium. A fresh
// Vite app (test/fixtures/vite-app, whose only config is `plugins: [azureRealtime()]`) is built
// with `vite build` and served by a small server that answers /api/config and /api/eventhubs-token
// (a SAS token minted here: no key reaches the page). The page sends and receives events through
// the Event Hubs emulator over WebSocket; after a reload it resumes from its IndexedDB checkpoints;
// with a second tab the partitions split and none is read by both. The same page is then built
// with esbuild and webpack 5 (test/fixtures/esbuild-app, webpack-app) and must send and receive
// too, and it runs under the Vite dev server with `azureRealtime({ emulator: true })` without a
// reload. Run after `npm run build`: `node scripts/e2e-vite-app.mjs`. Last line: `vite-app: N passed, M failed`.
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright';
import { startEmulator } from 'azure-realtime/emulator';
import { createSasToken } from 'azure-realtime/node';
import { chromiumLaunchOptions } from './chromium.mjs';
import { root } from './link-self.mjs';
import { checkRunner } from './e2e-checks.mjs';

const WAIT_MS = 15_000;
const OVERALL_MS = 90_000;
const HUB = 'eh1';
const POLICY = 'page';
const fixture = (name) => join(root, 'test/fixtures', name);
const outDir = join(root, 'test-output/vite-app');
const started = Date.now();
const results = [];
const notes = [];

const watchdog = setTimeout(() => {
  console.log(`vite-app: gave up after ${OVERALL_MS / 1000} s`);
  console.log(`vite-app: ${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
  process.exit(1);
}, OVERALL_MS);

const check = checkRunner(results);

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Polls `read` in the page until `done(value)`; on timeout says what it last saw. */
async function waitFor(page, read, done, what, timeout = WAIT_MS) {
  const deadline = Date.now() + timeout;
  let value;
  while (Date.now() < deadline) {
    value = await page.evaluate(read).catch((error) => ({ evaluateError: String(error?.message ?? error) }));
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: timed out; last saw ${JSON.stringify(value)?.slice(0, 400)}`);
}

/** Total size of the .js files under `dir`, raw and gzipped. */
function bundleSize(dir) {
  let raw = 0;
  let gzip = 0;
  const walk = (folder) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.js')) {
        const bytes = readFileSync(path);
        raw += bytes.length;
        gzip += gzipSync(bytes).length;
      }
    }
  };
  walk(dir);
  return `${(raw / 1024).toFixed(0)} kB, ${(gzip / 1024).toFixed(0)} kB gzip`;
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** A production-style server for a built page: its files, plus the two endpoints the page calls. */
async function servePage(dir, api) {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://page.invalid').pathname;
    const answer = api(path);
    if (answer) {
      return void answer.then((body) => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(body));
      });
    }
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dir) || !existsSync(file) || statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/**
 * Puts this package into `folder`/node_modules as npm would install it (package.json and dist/, a
 * copy, not a link): bundlers then treat it as a dependency, as in a user's app. Its own
 * dependencies resolve from the repository's node_modules further up.
 */
function installPackage(folder) {
  const target = join(folder, 'node_modules/azure-realtime');
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  cpSync(join(root, 'package.json'), join(target, 'package.json'));
  cpSync(join(root, 'dist'), join(target, 'dist'), { recursive: true, filter: (source) => !source.endsWith('.map') });
}

if (!existsSync(join(root, 'dist/vite/index.js')) || !existsSync(join(root, 'dist/eventhubs/index.js'))) {
  console.log('vite-app: dist/ is missing; run `npm run build` first');
  console.log('vite-app: 0 passed, 1 failed');
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
for (const app of ['vite-app', 'esbuild-app', 'webpack-app']) installPackage(fixture(app));

const closers = [];
let browser;
try {
  const policyKey = randomBytes(32).toString('base64');
  const emulator = await startEmulator({ eventhubs: { port: 0, policies: [{ name: POLICY, key: policyKey, rights: ['Send', 'Listen'] }] } });
  closers.push(() => emulator.close());
  const { host, port } = emulator.services.eventhubs;
  const namespace = `${host}:${port}`;
  const api = (path) => {
    if (path === '/api/config') return Promise.resolve({ eventhubs: { namespace, hub: HUB, useDevelopmentEmulator: true } });
    if (path === '/api/eventhubs-token') {
      const expiresAt = Math.floor(Date.now() / 1000) + 3600;
      return createSasToken({ resourceUri: `sb://${namespace}/${HUB}`, keyName: POLICY, key: policyKey, expiresAt }).then((token) => ({ token, expiresAt }));
    }
    return undefined;
  };

  const { build } = await import('vite');
  const viteOut = join(outDir, 'vite');
  await check('vite build of the fixture app (config: plugins: [azureRealtime()])', [], async () => {
    await build({ root: fixture('vite-app'), configFile: join(fixture('vite-app'), 'vite.config.js'), logLevel: 'warn', build: { outDir: viteOut, emptyOutDir: true } });
    notes.push(`bundle vite: ${bundleSize(viteOut)}`);
  });

  // The same page bundled by esbuild and by webpack 5, each with the package's plugin for it.
  const bundlers = {
    esbuild: async (out) => (await import(pathToFileURL(join(fixture('esbuild-app'), 'build.mjs')).href)).buildPage(out),
    webpack: async (out) => {
      const { default: webpack } = await import('webpack');
      const config = (await import(pathToFileURL(join(fixture('webpack-app'), 'webpack.config.mjs')).href)).default({ outDir: out });
      const stats = await new Promise((resolve, reject) => webpack(config, (error, result) => (error ? reject(error) : resolve(result))));
      if (stats.hasErrors()) throw new Error(stats.toString({ all: false, errors: true }).slice(0, 1500));
      const { copyFileSync } = await import('node:fs');
      copyFileSync(join(fixture('webpack-app'), 'index.html'), join(out, 'index.html'));
    },
  };
  // Built in the background while the Vite page runs in the tabs (which mostly waits on the network).
  const builds = {};
  for (const [name, bundle] of Object.entries(bundlers)) {
    const out = join(outDir, name);
    rmSync(out, { recursive: true, force: true });
    const t0 = Date.now();
    builds[name] = bundle(out).then(() => ({ out, ms: Date.now() - t0 }));
    builds[name].catch(() => {}); // reported by its check below
  }

  browser = await chromium.launch(chromiumLaunchOptions);
  const uncaught = [];
  const context = await browser.newContext();
  const openTab = async (label, url) => {
    const page = await context.newPage();
    page.on('pageerror', (error) => uncaught.push(`${label}: ${error.message}`));
    await page.goto(url);
    return page;
  };
  const site = await servePage(viteOut, api);
  closers.push(site.close);
  const app = (page) => page.evaluate(() => ({ owned: window.app?.ownedPartitions(), received: window.app?.received, errors: window.app?.errors, checkpoints: window.app?.checkpoints }));

  let a;
  const first = [];
  await check('tab A loads the built page and reads all 4 partitions', ['vite build of the fixture app (config: plugins: [azureRealtime()])'], async () => {
    a = await openTab('tab A', site.url);
    await waitFor(a, () => document.getElementById('status')?.dataset.state, (state) => state !== 'loading', 'page status');
    const status = await a.locator('#status').textContent();
    assert((await a.locator('#status').getAttribute('data-state')) === 'ready', `the page says: ${status}`);
    await waitFor(a, () => window.app.ownedPartitions(), (owned) => owned?.length === 4, 'tab A owning every partition');
  });

  await check('events sent from tab A arrive in tab A, each checkpointed into IndexedDB', ['tab A loads the built page and reads all 4 partitions'], async () => {
    const bodies = Array.from({ length: 8 }, (_, i) => `first-${i}`);
    await a.evaluate((list) => window.app.send(list), bodies);
    const seen = await waitFor(a, () => window.app.received.map((e) => e.body), (got) => got?.length >= 8, 'tab A receiving 8 events');
    assert([...seen].sort().join() === [...bodies].sort().join(), `expected exactly ${bodies.join()}, got ${seen.join()}`);
    const checkpoints = await waitFor(a, () => window.app.listCheckpoints(), (list) => list?.length === 4 && list.every((c) => c.sequenceNumber === 1), 'a checkpoint at sequence 1 on each partition');
    first.push(...seen);
    assert(checkpoints.length === 4, 'four checkpoints');
  });

  await check('after a reload, tab A resumes from its IndexedDB checkpoints (nothing processed twice)', ['events sent from tab A arrive in tab A, each checkpointed into IndexedDB'], async () => {
    await a.reload();
    await waitFor(a, () => window.app?.ownedPartitions(), (owned) => owned?.length === 4, 'tab A owning every partition again');
    const bodies = Array.from({ length: 8 }, (_, i) => `second-${i}`);
    await a.evaluate((list) => window.app.send(list), bodies);
    await waitFor(a, () => window.app.received.length, (count) => count >= 8, 'tab A receiving the 8 new events');
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a replay of the first 8 would arrive within a receive wait
    const seen = (await app(a)).received.map((e) => e.body);
    assert([...seen].sort().join() === [...bodies].sort().join(), `after the reload expected only ${bodies.join()}, got ${seen.join()}`);
  });

  let b;
  await check('with tab B open the partitions split between the tabs, never read by both at once', ['after a reload, tab A resumes from its IndexedDB checkpoints (nothing processed twice)'], async () => {
    b = await openTab('tab B', site.url);
    const overlaps = [];
    let samples = 0;
    const deadline = Date.now() + WAIT_MS;
    let stableSince;
    let last;
    while (Date.now() < deadline) {
      const [ownedA, ownedB] = await Promise.all([a, b].map((page) => page.evaluate(() => window.app?.ownedPartitions() ?? [])));
      samples += 1;
      last = { ownedA, ownedB };
      const both = ownedA.filter((id) => ownedB.includes(id));
      if (both.length > 0) overlaps.push(`A ${ownedA} / B ${ownedB}`);
      const balanced = ownedA.length === 2 && ownedB.length === 2 && both.length === 0;
      stableSince = balanced ? (stableSince ?? Date.now()) : undefined;
      if (stableSince && Date.now() - stableSince > 2000) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    notes.push(`ownership samples: ${samples}, overlapping: ${overlaps.length}`);
    assert(overlaps.length === 0, `a partition was read by both tabs: ${overlaps.slice(0, 3).join('; ')}`);
    assert(stableSince, `the tabs never settled at 2 + 2 partitions covering all 4; last saw ${JSON.stringify(last)}`);
  });

  await check('events sent while both tabs read arrive exactly once across the two', ['with tab B open the partitions split between the tabs, never read by both at once'], async () => {
    const before = { a: (await app(a)).received.length, b: (await app(b)).received.length };
    const bodies = Array.from({ length: 8 }, (_, i) => `third-${i}`);
    await b.evaluate((list) => window.app.send(list), bodies);
    const total = async () => [...(await app(a)).received.slice(before.a), ...(await app(b)).received.slice(before.b)];
    const deadline = Date.now() + WAIT_MS;
    while ((await total()).length < 8 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const seen = (await total()).map((e) => e.body);
    assert([...seen].sort().join() === [...bodies].sort().join(), `expected each of ${bodies.join()} once, got ${seen.join()}`);
  });

  await check('claims racing from two tabs at the same instant: exactly one tab wins each partition', ['tab A loads the built page and reads all 4 partitions'], async () => {
    b ??= await openTab('tab B', site.url);
    await waitFor(b, () => typeof window.app?.claim, (type) => type === 'function', 'tab B app');
    const at = Date.now() + 300;
    const race = (page, ownerId) =>
      page.evaluate(
        async ({ at, ownerId }) => {
          await new Promise((resolve) => setTimeout(resolve, at - Date.now()));
          const claims = Array.from({ length: 20 }, (_, i) => window.app.claim({ fullyQualifiedNamespace: 'race.invalid', eventHubName: 'race', consumerGroup: '$Default', partitionId: String(i), ownerId }));
          return (await Promise.all(claims)).flat().map((c) => c.partitionId);
        },
        { at, ownerId },
      );
    const [wonA, wonB] = await Promise.all([race(a, 'tab-a'), race(b, 'tab-b')]);
    notes.push(`claim race: tab A won ${wonA.length}, tab B ${wonB.length}`);
    const all = [...wonA, ...wonB].sort((x, y) => Number(x) - Number(y));
    assert(all.join() === Array.from({ length: 20 }, (_, i) => i).join(), `expected each of 20 partitions won once, got A ${wonA} and B ${wonB}`);
  });

  await a?.screenshot({ path: join(outDir, 'tab-a.png'), fullPage: true }).catch(() => {});
  await b?.screenshot({ path: join(outDir, 'tab-b.png'), fullPage: true }).catch(() => {});

  await check('no uncaught errors and no processError in either tab', ['tab A loads the built page and reads all 4 partitions'], async () => {
    const errors = [...uncaught];
    for (const [label, page] of [['tab A', a], ['tab B', b]]) if (page) errors.push(...((await app(page)).errors ?? []).map((e) => `${label}: ${e}`));
    assert(errors.length === 0, errors.join('; '));
  });
  await check('no key in the pages', ['tab A loads the built page and reads all 4 partitions'], async () => {
    for (const page of [a, b].filter(Boolean)) assert(!(await page.content()).includes(policyKey), 'the policy key is in the page');
  });
  await context.close();

  for (const name of Object.keys(bundlers)) {
    await check(`${name}: the page built with azureRealtime${name === 'esbuild' ? 'Esbuild' : 'Webpack'}() sends and receives through the emulator`, [], async () => {
      const { out, ms } = await builds[name];
      notes.push(`bundle ${name}: ${bundleSize(out)} (built in ${ms} ms)`);
      const served = await servePage(out, api);
      closers.push(served.close);
      const pageContext = await browser.newContext();
      const page = await pageContext.newPage();
      const errors = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(served.url);
      await waitFor(page, () => document.getElementById('status')?.dataset.state, (state) => state !== 'loading', 'page status');
      assert((await page.locator('#status').getAttribute('data-state')) === 'ready', `the page says: ${await page.locator('#status').textContent()}`);
      await waitFor(page, () => window.app.ownedPartitions(), (owned) => owned?.length === 4, 'the page owning every partition');
      // This origin's IndexedDB is new, so the consumer starts at the beginning: count only ours.
      const bodies = [0, 1, 2, 3].map((i) => `${name}-${i}`);
      await page.evaluate((list) => window.app.send(list), bodies);
      const ours = (got) => (Array.isArray(got) ? got.filter((body) => body.startsWith(`${name}-`)) : []);
      const seen = ours(await waitFor(page, () => window.app.received.map((e) => e.body), (got) => ours(got).length >= 4, `the ${name} page receiving 4 events`));
      assert([...seen].sort().join() === bodies.join(), `expected ${bodies.join()}, got ${seen.join()}`);
      assert(errors.length === 0, errors.join('; '));
      await pageContext.close();
    });
  }

  // The dev server: the same page with `vite` (no build) and the plugin's emulator option serving
  // /api/config and /api/eventhubs-token. A fresh dependency cache, so this is the first use: had the
  // SDK not been pre-bundled up front, Vite would re-optimize and reload the page when it loads.
  await check('vite dev server with azureRealtime({ emulator }): the page sends and receives, no reload on first use', [], async () => {
    const { createServer } = await import('vite');
    const { azureRealtime } = await import(pathToFileURL(join(fixture('vite-app'), 'node_modules/azure-realtime/dist/vite/index.js')).href);
    const cacheDir = join(outDir, '.vite-dev-cache');
    rmSync(cacheDir, { recursive: true, force: true });
    const server = await createServer({
      root: fixture('vite-app'),
      configFile: false,
      cacheDir,
      logLevel: 'warn',
      clearScreen: false,
      server: { host: '127.0.0.1', port: 0 },
      plugins: [azureRealtime({ emulator: { relay: false, webpubsub: false, ports: 'free' } })],
    });
    closers.push(() => server.close());
    await server.listen();
    const devContext = await browser.newContext();
    const page = await devContext.newPage();
    const reloads = [];
    page.on('pageerror', (error) => uncaught.push(`dev tab: ${error.message}`));
    await page.goto(server.resolvedUrls.local[0]);
    page.on('framenavigated', (frame) => frame === page.mainFrame() && reloads.push(frame.url()));
    await waitFor(page, () => document.getElementById('status')?.dataset.state, (state) => state !== 'loading', 'page status');
    assert((await page.locator('#status').getAttribute('data-state')) === 'ready', `the page says: ${await page.locator('#status').textContent()}`);
    await waitFor(page, () => window.app.ownedPartitions(), (owned) => owned?.length === 4, 'the dev page owning every partition');
    const bodies = ['dev-0', 'dev-1', 'dev-2', 'dev-3'];
    await page.evaluate((list) => window.app.send(list), bodies);
    const seen = await waitFor(page, () => window.app.received.map((e) => e.body), (got) => got?.length >= 4, 'the dev page receiving 4 events');
    assert([...seen].sort().join() === bodies.join(), `expected ${bodies.join()}, got ${seen.join()}`);
    assert(reloads.length === 0, `the page reloaded: ${reloads.join(', ')}`);
    assert(uncaught.length === 0, uncaught.join('; '));
    await devContext.close();
  });
} catch (error) {
  results.push({ name: 'setup', ok: false });
  console.log(`FAIL setup: ${error?.stack ?? error}`);
} finally {
  await browser?.close().catch(() => {});
  for (const close of closers.reverse()) await close().catch(() => {});
  clearTimeout(watchdog);
}

for (const note of notes) console.log(`     ${note}`);
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`screenshots: test-output/vite-app/ (${((Date.now() - started) / 1000).toFixed(1)} s)`);
console.log(`vite-app: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
