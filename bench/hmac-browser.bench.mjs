#!/usr/bin/env node
// HMAC-SHA256 in headless Chromium: WebCrypto (awaited per call, key cached) vs @noble/hashes
// (sync), through the built browser entry. Decides which one the browser entry binds (issue 2).
import { chromium } from 'playwright';
import { chromiumLaunchOptions } from '../scripts/chromium.mjs';
import * as esbuild from 'esbuild';
import { linkSelf } from '../scripts/link-self.mjs';

const source = `
import { createSasToken, nobleHmac } from 'azure-realtime/browser';
async function rate(fn) {
  for (let i = 0; i < 200; i++) await fn();
  let n = 0; const start = performance.now();
  while (performance.now() - start < 1000) { for (let i = 0; i < 100; i++) await fn(); n += 100; }
  return Math.round(n * 1000 / (performance.now() - start));
}
const o = { resourceUri: 'http://contoso.servicebus.windows.net/hyco', keyName: 'RootManageSharedAccessKey', key: 'W2hlbGxvLXJlbGF5LXRlc3Qta2V5XQ==', ttlSeconds: 3600 };
window.results = (async () => ({
  webcrypto: await rate(() => createSasToken(o)),
  noble: await rate(() => createSasToken({ ...o, hmac: nobleHmac })),
}))();`;

const built = await esbuild.build({ stdin: { contents: source, resolveDir: process.cwd() }, bundle: true, format: 'esm', write: false, nodePaths: [linkSelf()], platform: 'browser', logLevel: 'error' });
const browser = await chromium.launch(chromiumLaunchOptions);
try {
  const page = await browser.newPage();
  await page.goto('http://localhost/', { waitUntil: 'commit' }).catch(() => undefined);
  await page.setContent('<!doctype html><title>bench</title>');
  await page.addScriptTag({ type: 'module', content: built.outputFiles[0].text });
  const results = await page.evaluate(() => window.results);
  console.log(`Chromium ${browser.version()}: createSasToken with WebCrypto ${results.webcrypto}/s, with @noble/hashes ${results.noble}/s`);
} finally {
  await browser.close();
}
