#!/usr/bin/env node
// SAS token minting, ours vs hyco-https in one run, and the HMAC implementations underneath.
// Bounded: each case runs for ~1 s. Needs `npm run build`. Appends nothing; prints a table.
import { webcrypto } from 'node:crypto';
import https from 'hyco-https';
import * as node from '../dist/node/index.js';
import * as browser from '../dist/browser/index.js';

const uri = 'sb://contoso.servicebus.windows.net/hyco';
const resourceUri = 'http://contoso.servicebus.windows.net/hyco';
const key = 'W2hlbGxvLXJlbGF5LXRlc3Qta2V5XQ==';

async function rate(fn, ms = 1000) {
  for (let i = 0; i < 200; i++) await fn(); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 100; i++) await fn();
    n += 100;
  }
  return Math.round((n * 1000) / (performance.now() - start));
}

const cases = [
  ['hyco-https createRelayToken', () => https.createRelayToken(uri, 'RootManageSharedAccessKey', key, 3600)],
  ['azure-realtime/node createSasToken (node:crypto)', () => node.createSasToken({ resourceUri, keyName: 'RootManageSharedAccessKey', key, ttlSeconds: 3600 })],
  ['azure-realtime createSasToken + noble HMAC', () => node.createSasToken({ resourceUri, keyName: 'RootManageSharedAccessKey', key, ttlSeconds: 3600, hmac: node.nobleHmac })],
  ['azure-realtime/browser createSasToken (WebCrypto)', () => browser.createSasToken({ resourceUri, keyName: 'RootManageSharedAccessKey', key, ttlSeconds: 3600 })],
];
if (!globalThis.crypto) globalThis.crypto = webcrypto;

console.log(`Node ${process.version}, ${new Date().toISOString()}`);
const results = [];
for (const [name, fn] of cases) {
  const perSecond = await rate(fn);
  results.push([name, perSecond]);
  console.log(`${name.padEnd(52)} ${String(perSecond).padStart(9)} tokens/s`);
}
const base = results[0][1];
for (const [name, perSecond] of results.slice(1)) console.log(`${name.padEnd(52)} ${(perSecond / base).toFixed(2)}x hyco-https`);
