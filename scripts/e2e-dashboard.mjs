// Chromium test of the emulator dashboard (src/emulator/dashboard): starts the three emulators
// and the dashboard in-process from the built package, opens the page, and only then creates
// traffic with clients we did not write where they exist (the official @azure/web-pubsub,
// @azure/web-pubsub-client and @azure/event-hubs) and our HybridConnectionListener for Relay
// (Microsoft's Node listener is dormant, docs/relay-client.md). Each check waits until the page
// shows what was created: a Relay listener, a Web PubSub connection in a group, the events of a
// partition, a rejection; then the page's own forms act on the emulator, and no key, signature
// or token may appear anywhere the dashboard sent. Screenshots go to test-output/dashboard/.
// Run after `npm run build`: `node scripts/e2e-dashboard.mjs`.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { WebPubSubClient } from '@azure/web-pubsub-client';
import { EventHubConsumerClient, EventHubProducerClient } from '@azure/event-hubs';
import { chromiumLaunchOptions } from './chromium.mjs';
import { root } from './link-self.mjs';
import { checkRunner } from './e2e-checks.mjs';

const WAIT_MS = 10_000;
const OVERALL_MS = 90_000;
const outDir = join(root, 'test-output/dashboard');
const results = [];

const summary = () => `dashboard: ${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length} failed`;
const watchdog = setTimeout(() => {
  results.push({ name: 'finished in time', ok: false });
  console.log(`dashboard: gave up after ${OVERALL_MS / 1000} s`);
  console.log(summary());
  process.exit(1);
}, OVERALL_MS);

// Whatever a client library throws asynchronously is a failure to report, not a crash that would
// lose the summary line npm test reads.
for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.on(event, (error) => {
    results.push({ name: event, ok: false });
    console.log(`FAIL ${event}: ${error?.stack ?? error}`);
  });
}

const check = checkRunner(results);

/** Waits for a selector; on timeout the error quotes the section it should have been in. */
async function waitForSelector(page, selector, section) {
  try {
    await page.waitForSelector(selector, { timeout: WAIT_MS });
  } catch {
    const text = await page.locator(section).innerText({ timeout: 1000 }).catch(() => '(missing)');
    throw new Error(`${selector} never appeared; ${section} reads: ${JSON.stringify(text.slice(0, 600))}`);
  }
}

async function waitForText(page, selector, pattern) {
  try {
    await page.waitForFunction(([sel, source]) => new RegExp(source).test(document.querySelector(sel)?.textContent ?? ''), [selector, pattern.source], { timeout: WAIT_MS });
  } catch {
    const text = await page.locator(selector).textContent({ timeout: 1000 }).catch(() => '(missing)');
    throw new Error(`${selector} never matched ${pattern}; it reads: ${JSON.stringify(text?.slice(-400))}`);
  }
}

const waitUntil = async (what, condition) => {
  const deadline = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

if (!existsSync(join(root, 'dist/emulator/index.js')) || !existsSync(join(root, 'dist/node/index.js'))) {
  console.log('dashboard: dist/ is missing; run `npm run build` first');
  console.log('dashboard: 0 passed, 1 failed');
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
// Imported by name, as a user's code would (Node resolves a package's own name to itself).
const { startEmulator, EMULATOR_SAS_KEY, EMULATOR_WEBPUBSUB_ACCESS_KEY } = await import('azure-realtime/emulator');
const { HybridConnectionListener } = await import('azure-realtime/node');

let emulator;
let browser;
const closers = [];
const tag = Math.random().toString(36).slice(2, 8);
try {
  emulator = await startEmulator({ relay: { port: 0 }, webpubsub: { port: 0 }, eventhubs: { port: 0 }, dashboard: { port: 0 } });
  const { relay, webpubsub, eventhubs } = emulator.services;
  const dashboardUrl = emulator.dashboard.url;
  console.log(`dashboard ${dashboardUrl}`);

  // Everything the live stream sends while the test runs, to search for secrets at the end.
  const streamed = { text: '' };
  const streamAbort = new AbortController();
  const streamDone = fetch(`${dashboardUrl}events`, { signal: streamAbort.signal })
    .then(async (response) => {
      for await (const chunk of response.body) streamed.text += Buffer.from(chunk).toString('utf8');
    })
    .catch(() => undefined);

  browser = await chromium.launch(chromiumLaunchOptions);
  const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
  const uncaught = [];
  page.on('pageerror', (error) => uncaught.push(error.message));
  // The bad-input check's 400 is expected; any other console error is not.
  page.on('console', (message) => message.type() === 'error' && !/status of 400/.test(message.text()) && uncaught.push(`console: ${message.text()}`));

  await check('the page loads and goes live', [], async () => {
    await page.goto(dashboardUrl);
    await waitForSelector(page, '#status[data-state="live"]', 'header');
    await waitForText(page, '#eh-body', /hub eh1/);
    await page.screenshot({ path: join(outDir, '1-empty.png'), fullPage: true });
  });

  const hcName = `dash-${tag}`;
  await check('a Relay listener shows up as it comes online', ['the page loads and goes live'], async () => {
    const listener = new HybridConnectionListener(relay.connectionString, { path: hcName, requestHandler: () => new Response('ok') });
    closers.push(() => listener.close());
    await listener.open();
    await waitForSelector(page, `#relay tr[data-hc="${hcName}"] [data-listeners="1"]`, '#relay');
  });

  await check('a Relay rejection shows with its status', ['the page loads and goes live'], async () => {
    await fetch(`http://127.0.0.1:${relay.port}/nobody-${tag}?sb-hc-token=SharedAccessSignature%20sr%3Dx%26sig%3Dforged-${tag}`).then((r) => r.text());
    await waitForSelector(page, '#relay-rejections tr[data-status="401"]', '#relay-rejections');
    await waitForText(page, '#relay-rejections', new RegExp(`/nobody-${tag}`));
  });

  const hub = `dashhub${tag}`;
  const group = `room-${tag}`;
  const user = `user-${tag}`;
  const serviceClient = new WebPubSubServiceClient(webpubsub.connectionString, hub);
  let wpsClient;
  let clientToken;
  const received = [];
  await check('a Web PubSub connection shows up in its group', ['the page loads and goes live'], async () => {
    clientToken = await serviceClient.getClientAccessToken({ userId: user, roles: ['webpubsub.joinLeaveGroup'] });
    wpsClient = new WebPubSubClient(clientToken.url, { autoReconnect: false });
    wpsClient.on('server-message', (event) => received.push(event.message.data));
    closers.push(() => wpsClient.stop());
    await wpsClient.start();
    await wpsClient.joinGroup(group);
    await waitForSelector(page, `#webpubsub tr[data-user="${user}"] [data-groups~="${group}"]`, '#webpubsub');
    await waitForText(page, '#wps-body', new RegExp(`${group} \\(1\\)`));
  });

  await check('the events of a partition show up as they are sent', ['the page loads and goes live'], async () => {
    const producer = new EventHubProducerClient(eventhubs.connectionString, 'eh1');
    closers.push(() => producer.close());
    for (let i = 1; i <= 3; i++) {
      await producer.sendBatch([{ body: `event ${i} of ${tag}` }], { partitionId: '1' });
      await waitForSelector(page, `#eventhubs tr[data-partition="1"] [data-last="${i - 1}"]`, '#eh-body');
    }
    for (let i = 1; i <= 3; i++) await waitForText(page, '#eh-body', new RegExp(`event ${i} of ${tag}`));
    await waitForSelector(page, '#eventhubs tr[data-event][data-partition="1"][data-sequence="2"]', '#eh-body');
  });

  await check('a consumer group lists the receiver reading a partition', ['the page loads and goes live'], async () => {
    const consumer = new EventHubConsumerClient('$Default', eventhubs.connectionString, 'eh1');
    closers.push(() => consumer.close());
    const subscription = consumer.subscribe('1', { processEvents: async () => {}, processError: async () => {} }, { startPosition: { sequenceNumber: 0 } });
    closers.push(() => subscription.close());
    await waitForText(page, '#eventhubs li[data-consumer-group="$Default"]', /partition 1 ← \S+/);
  });

  await page.screenshot({ path: join(outDir, '2-traffic.png'), fullPage: true });

  await check("the page's form sends to the group and the official client receives it", ['a Web PubSub connection shows up in its group'], async () => {
    await page.fill('#wps-send input[name="hub"]', hub);
    await page.selectOption('#wps-send select[name="target"]', 'group');
    await page.fill('#wps-send input[name="name"]', group);
    await page.fill('#wps-send input[name="data"]', `from the dashboard ${tag}`);
    await page.click('#wps-send button[type="submit"]');
    await waitForText(page, '#wps-send output', /delivered to 1 connection/);
    await waitUntil('the client to get the message', () => received.includes(`from the dashboard ${tag}`));
    await waitForText(page, '#wps-messages', new RegExp(`group ${group}.*from the dashboard ${tag}`));
  });

  await check("the page's form sends an Event Hubs event with a partition key", ['the events of a partition show up as they are sent'], async () => {
    await page.fill('#eh-send input[name="hub"]', 'eh1');
    await page.fill('#eh-send input[name="partitionKey"]', `key-${tag}`);
    await page.fill('#eh-send input[name="body"]', `typed in the page ${tag}`);
    await page.click('#eh-send button[type="submit"]');
    await waitForText(page, '#eh-send output', /stored in partition \d as #\d+/);
    await waitForText(page, '#eh-body', new RegExp(`key-${tag}.*typed in the page ${tag}`));
  });

  await check('a bad form input is shown as an error, not thrown', ['the page loads and goes live'], async () => {
    await page.fill('#eh-send input[name="partitionId"]', '42');
    await page.fill('#eh-send input[name="partitionKey"]', '');
    await page.click('#eh-send button[type="submit"]');
    await waitForSelector(page, '#eh-send output[data-state="error"]', '#eh-send');
    await waitForText(page, '#eh-send output', /partitions 0-3/);
  });

  await page.screenshot({ path: join(outDir, '3-forms.png'), fullPage: true });

  await check("the connection's close button closes it", ['a Web PubSub connection shows up in its group'], async () => {
    const stopped = new Promise((resolve) => wpsClient.on('stopped', resolve));
    await page.click(`#webpubsub tr[data-user="${user}"] button[data-close]`);
    await Promise.race([stopped, new Promise((_, reject) => setTimeout(() => reject(new Error('the client was not closed')), WAIT_MS))]);
    await waitUntil('the row to go', async () => (await page.locator(`#webpubsub tr[data-user="${user}"]`).count()) === 0);
  });

  await check('no key, signature or token appears in the page or anything the dashboard sent', ['the page loads and goes live'], async () => {
    const seen = [
      await page.content(),
      await page.locator('body').innerText(),
      await (await fetch(`${dashboardUrl}dashboard.js`)).text(),
      await (await fetch(`${dashboardUrl}snapshot`)).text(),
      streamed.text,
    ].join('\n');
    if (!streamed.text.includes('event: snapshot')) throw new Error('the live stream sent nothing');
    const secrets = [EMULATOR_SAS_KEY, EMULATOR_WEBPUBSUB_ACCESS_KEY, clientToken?.token, clientToken?.token?.split('.')[2], `forged-${tag}`].filter(Boolean);
    const found = secrets.filter((secret) => seen.includes(secret));
    const patterns = [/SharedAccessSignature/, /[?&]sig=/, /access_token/, /eyJ[\w-]{10,}\./, /reconnectionToken/i].filter((pattern) => pattern.test(seen));
    if (found.length > 0 || patterns.length > 0) throw new Error(`found ${found.length} secret(s) and ${patterns.map(String).join(', ') || 'no'} pattern(s)`);
  });

  await check('nothing thrown in the page', ['the page loads and goes live'], async () => {
    if (uncaught.length > 0) throw new Error(uncaught.join('; '));
  });

  streamAbort.abort();
  await streamDone;
} catch (error) {
  results.push({ name: 'setup', ok: false });
  console.log(`FAIL setup: ${error?.stack ?? error}`);
} finally {
  for (const close of closers.reverse()) await Promise.resolve().then(close).catch(() => undefined);
  await browser?.close();
  await emulator?.close();
  clearTimeout(watchdog);
}
console.log(summary());
process.exitCode = results.every((r) => r.ok) && results.length > 0 ? 0 : 1;
