// End-to-end test of the demo page (demo/): starts the Vite dev server with the demo's emulator
// plugin on a free port, opens the page in two Chromium tabs and checks real behaviour across
// them: Web PubSub chat both ways, a Relay listener in tab A answering tab B's WebSocket and HTTP
// requests, an Event Hubs event sent in tab A counted in tab B's live dashboard, errors shown on
// the page, no secrets in the page text. Screenshots go to
// test-output/e2e/. Run after `npm run build`: `node scripts/e2e-demo.mjs`.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { chromiumLaunchOptions } from './chromium.mjs';
import { createServer } from 'vite';
import { EMULATOR_SAS_KEY, EMULATOR_WEBPUBSUB_ACCESS_KEY } from 'azure-realtime/emulator';
import { root } from './link-self.mjs';
import { checkRunner } from './e2e-checks.mjs';

const WAIT_MS = 10_000;
const OVERALL_MS = 60_000;
const outDir = join(root, 'test-output/e2e');
const started = Date.now();
const results = [];

const watchdog = setTimeout(() => {
  console.log(`e2e: gave up after ${OVERALL_MS / 1000} s`);
  console.log(`e2e: ${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
  process.exit(1);
}, OVERALL_MS);

const check = checkRunner(results);

/** Waits until the element's text matches; on timeout the error says what the text was. */
async function waitForText(page, selector, pattern, timeout = WAIT_MS) {
  try {
    await page.waitForFunction(
      ([sel, source, flags]) => new RegExp(source, flags).test(document.querySelector(sel)?.textContent ?? ''),
      [selector, pattern.source, pattern.flags],
      { timeout },
    );
  } catch {
    const text = await page.locator(selector).textContent({ timeout: 1000 }).catch(() => '(missing)');
    throw new Error(`${selector} never matched ${pattern}; it reads: ${JSON.stringify(text?.slice(-400))}`);
  }
}

async function waitForState(page, selector, state, textPattern) {
  await page.waitForSelector(`${selector}[data-state="${state}"]`, { timeout: WAIT_MS }).catch(async () => {
    const text = await page.locator(selector).textContent({ timeout: 1000 }).catch(() => '(missing)');
    throw new Error(`${selector} never reached state ${state}; it reads: ${JSON.stringify(text)}`);
  });
  if (textPattern) await waitForText(page, selector, textPattern);
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

if (!existsSync(join(root, 'dist/browser/index.js')) || !existsSync(join(root, 'dist/emulator/index.js'))) {
  console.log('e2e: dist/ is missing; run `npm run build` first');
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
process.env.DEMO_EMULATOR_PORTS ??= 'free'; // never clash with an emulator already running

let server;
let browser;
try {
  server = await createServer({
    configFile: join(root, 'demo/vite.config.ts'),
    server: { port: 0 },
    logLevel: process.env.E2E_VITE_LOG ?? 'warn',
    clearScreen: false,
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('the dev server reported no local URL');
  console.log(`dev server ${url} (${Date.now() - started} ms)`);

  browser = await chromium.launch(chromiumLaunchOptions);
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const uncaught = [];
  const openTab = async (label) => {
    const page = await context.newPage();
    page.on('pageerror', (error) => uncaught.push(`${label}: ${error.message}`));
    await page.goto(url);
    // A reload (Vite re-optimizing deps) would silently drop the tab's connections: make it loud.
    page.on('framenavigated', (frame) => frame === page.mainFrame() && uncaught.push(`${label}: the page reloaded`));
    return page;
  };
  const a = await openTab('tab A');
  const b = await openTab('tab B');
  const tag = Math.random().toString(36).slice(2, 8);

  await check('both tabs load the page and the dev server config', [], async () => {
    await waitForState(a, '#page-status', 'ok');
    await waitForState(b, '#page-status', 'ok');
  });

  await check('tab A connects to Web PubSub', ['both tabs load the page and the dev server config'], async () => {
    await a.fill('#wps-user', 'alice');
    await a.click('#wps-connect');
    await waitForState(a, '#wps-status', 'ok', /connected as alice .*in group lobby/);
  });
  await check('a user name the negotiate endpoint refuses shows an error in tab B', ['both tabs load the page and the dev server config'], async () => {
    await b.fill('#wps-user', 'not a valid name!');
    await b.click('#wps-connect');
    await waitForState(b, '#wps-status', 'error', /error: unauthorized: negotiate answered 401/);
  });
  await check('tab B connects to Web PubSub', ['both tabs load the page and the dev server config'], async () => {
    await b.fill('#wps-user', 'bob');
    await b.click('#wps-connect');
    await waitForState(b, '#wps-status', 'ok', /connected as bob .*in group lobby/);
    await waitForText(b, '#wps-messages', /joined group lobby/);
  });

  await check('a group message sent in tab A appears in tab B', ['tab A connects to Web PubSub', 'tab B connects to Web PubSub'], async () => {
    await a.fill('#wps-message', `hello from A ${tag}`);
    await a.click('#wps-send-group');
    await waitForText(b, '#wps-messages', new RegExp(`\\[lobby\\] alice: hello from A ${tag}`));
  });

  await check('"send to all" from tab B reaches tab A through the server event handler', ['tab A connects to Web PubSub', 'tab B connects to Web PubSub'], async () => {
    await b.fill('#wps-message', `to everyone from B ${tag}`);
    await b.click('#wps-send-all');
    await waitForText(a, '#wps-messages', new RegExp(`\\[all\\] bob: to everyone from B ${tag}`));
  });

  let listenerName = '';
  await check('the Relay listener in tab A goes online (connecting → online)', ['both tabs load the page and the dev server config'], async () => {
    await a.click('#relay-listen');
    await waitForState(a, '#relay-listener-status', 'ok', /online as listener-\w+/);
    listenerName = /online as (listener-\w+)/.exec(await a.locator('#relay-listener-status').textContent())[1];
    await waitForText(a, '#relay-listener-log', /status: connecting.*status: online/);
  });

  await check('tab B gets its relayed WebSocket message echoed by tab A', ['the Relay listener in tab A goes online (connecting → online)'], async () => {
    await b.fill('#relay-message', `ping ${tag}`);
    await b.click('#relay-send-ws');
    await waitForText(b, '#relay-sender-log', new RegExp(`WebSocket reply: echo: ping ${tag}`));
    await waitForText(a, '#relay-listener-log', new RegExp(`WebSocket message: ping ${tag}`));
    await waitForState(b, '#relay-sender-status', 'ok', /WebSocket round trip: \d+ ms/);
  });

  await check('tab B gets an HTTP answer from tab A\'s request handler', ['the Relay listener in tab A goes online (connecting → online)'], async () => {
    await b.fill('#relay-message', `http body ${tag}`);
    await b.click('#relay-send-http');
    await waitForState(b, '#relay-sender-status', 'ok', /HTTP 200 in \d+ ms/);
    const answer = new RegExp(`HTTP 200: \\{"answeredBy":"${escape(listenerName)}","method":"POST","path":"/demo/hello","query":"\\?from=demo","body":"http body ${tag}"\\}`);
    await waitForText(b, '#relay-sender-log', answer);
    await waitForText(a, '#relay-listener-log', /HTTP POST \/demo\/hello\?from=demo \(\d+ chars\) → 200/);
  });

  await check('an HTTP request to a path nobody listens on shows an error in tab B', ['both tabs load the page and the dev server config'], async () => {
    await b.fill('#relay-send-path', `nobody-${tag}`);
    await b.click('#relay-send-http');
    await waitForState(b, '#relay-sender-status', 'error', /error: unavailable: relay HTTP request to .* failed/);
  });

  await check("an Event Hubs event sent in tab A shows up in tab B's live dashboard", ['both tabs load the page and the dev server config'], async () => {
    // B's consumer starts right after each partition's current end, so it must be live before A sends.
    await waitForState(b, '#eh-status', 'ok', /live: reading 4 of 4 partitions of eh1/);
    await a.fill('#eh-message', `event from A ${tag}`);
    await a.click('#eh-send');
    await waitForState(a, '#eh-sender-status', 'ok', /sent 1 event in \d+ ms/);
    await waitForText(b, '#eh-partitions', new RegExp(`event from A ${tag} \\(from tab-\\w+\\)`));
    await waitForText(b, '#eh-log', new RegExp(`partition \\d+ #\\d+: event from A ${tag}`));
  });

  await check("a burst sent in tab A rises on tab B's per-partition rate chart", ["an Event Hubs event sent in tab A shows up in tab B's live dashboard"], async () => {
    await a.click('#eh-send-burst');
    await waitForState(a, '#eh-sender-status', 'ok', /sent 20 events/);
    // A line off its baseline: some second of the last minute had events (demo/rate-chart.ts).
    await b.waitForFunction(() => [...document.querySelectorAll('#eh-rate-chart polyline')].some((line) => new Set(line.getAttribute('points').split(' ').map((p) => p.split(',')[1])).size > 1), null, { timeout: WAIT_MS });
  });

  const timings = (await b.locator('#relay-sender-log').innerText()).match(/(WebSocket reply|HTTP 200).*?\(\d+ ms[^)]*\)/g);
  if (timings) console.log(`     relay round trips seen in tab B: ${timings.map((t) => t.replace(/: .*\(/, ' (')).join(', ')}`);

  await a.screenshot({ path: join(outDir, 'tab-a.png'), fullPage: true });
  await b.screenshot({ path: join(outDir, 'tab-b.png'), fullPage: true });

  await check('stopping the listener in tab A reports offline', ['the Relay listener in tab A goes online (connecting → online)'], async () => {
    await a.click('#relay-stop');
    await waitForState(a, '#relay-listener-status', 'idle', /^offline$/);
    await waitForText(a, '#relay-listener-log', /status: offline/);
  });

  await check('tab B disconnects from Web PubSub', ['tab B connects to Web PubSub'], async () => {
    await b.click('#wps-disconnect');
    await waitForState(b, '#wps-status', 'idle', /^stopped$/);
  });

  await check('no key, signature or token appears in either tab', ['both tabs load the page and the dev server config'], async () => {
    for (const [label, page] of [['tab A', a], ['tab B', b]]) {
      const text = await page.locator('body').innerText();
      const leaks = [
        text.includes(EMULATOR_SAS_KEY) && 'the Relay key',
        text.includes(EMULATOR_WEBPUBSUB_ACCESS_KEY) && 'the Web PubSub key',
        /(sig|sb-hc-token|access_token)=(?!REDACTED)[^\s&]+/i.test(text) && 'a token parameter',
        /\beyJ[\w-]+\.[\w-]+\.[\w-]+/.test(text) && 'a JWT',
      ].filter(Boolean);
      if (leaks.length > 0) throw new Error(`${label} shows ${leaks.join(', ')}`);
    }
  });

  await check('no uncaught errors or reloads in either tab', ['both tabs load the page and the dev server config'], async () => {
    if (uncaught.length > 0) throw new Error(uncaught.join('; '));
  });
} catch (error) {
  results.push({ name: 'setup', ok: false });
  console.log(`FAIL setup: ${error?.stack ?? error}`);
} finally {
  await browser?.close().catch(() => {});
  await server?.close().catch(() => {});
  clearTimeout(watchdog);
}

const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`screenshots: ${join('test-output/e2e', 'tab-a.png')}, tab-b.png (${((Date.now() - started) / 1000).toFixed(1)} s)`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
