// Client access token minting: ours (Node binding, node:crypto HMAC; and the core default, WebCrypto)
// against @azure/web-pubsub's getClientAccessToken (jsonwebtoken), in one run, same inputs.
// Rounds alternate between contestants so load from other processes hits all of them alike.
// Usage: node bench/webpubsub-tokens.bench.mjs   (about 6 s; writes bench/RESULTS-webpubsub.md)
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebPubSubServiceClient as OfficialClient } from '@azure/web-pubsub';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wps-bench-'));
const entry = join(dir, 'ours.mjs');
const bundled = await build({
  stdin: {
    contents: `export { WebPubSubServiceClient as NodeClient } from './src/node/webpubsub.ts';
               export { WebPubSubServiceClient as CoreClient } from './src/core/webpubsub/service-client.ts';`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'node',
  write: false,
});
writeFileSync(entry, bundled.outputFiles[0].text);
const { NodeClient, CoreClient } = await import(entry);
rmSync(dir, { recursive: true, force: true });

const connectionString = 'Endpoint=https://contoso.webpubsub.azure.com;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;';
const options = { userId: 'user1', roles: ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup.chat'], groups: ['chat'] };
const contestants = {
  '@azure/web-pubsub 1.2.0 (jsonwebtoken)': new OfficialClient(connectionString, 'chat'),
  'azure-realtime, Node binding (node:crypto)': new NodeClient(connectionString, 'chat'),
  'azure-realtime, core default (WebCrypto)': new CoreClient(connectionString, 'chat'),
};

// Sanity: every contestant's token decodes to the same claims (the interop test checks this in depth).
const claims = async (client) => {
  const { token } = await client.getClientAccessToken(options);
  const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  delete payload.iat;
  delete payload.exp;
  return JSON.stringify(payload, Object.keys(payload).sort());
};
const reference = await claims(Object.values(contestants)[0]);
for (const [name, client] of Object.entries(contestants)) {
  if ((await claims(client)) !== reference) throw new Error(`${name} minted different claims`);
}

async function round(client, ms) {
  let count = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await client.getClientAccessToken(options);
    count += 50;
  }
  return count / ((performance.now() - start) / 1000);
}

const ROUNDS = 9;
const ROUND_MS = 220;
const rates = Object.fromEntries(Object.keys(contestants).map((name) => [name, []]));
for (const client of Object.values(contestants)) await round(client, 100); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, client] of Object.entries(contestants)) rates[name].push(await round(client, ROUND_MS));
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const officialRates = Object.values(rates)[0];
// Ratios are taken round by round (neighbouring rounds see similar load), then the median.
const results = Object.entries(rates).map(([name, values]) => {
  const ratios = values.map((v, i) => v / officialRates[i]);
  return { name, opsPerSecond: Math.round(median(values)), ratio: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) };
});

const lines = [
  '# Web PubSub client token minting',
  '',
  `Measured ${new Date().toISOString()} by \`node bench/webpubsub-tokens.bench.mjs\` on Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), a shared machine: numbers move with load, ratios less.`,
  `Same inputs for all: userId, two roles, one group, default 60-minute expiry; \`getClientAccessToken\` awaited one at a time; ${ROUNDS} alternating rounds of ${ROUND_MS} ms; medians, with the speed-up taken per round.`,
  `Load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')}.`,
  '',
  '| implementation | tokens/s (median) | vs @azure/web-pubsub (median per round) | range over rounds |',
  '|---|---:|---:|---:|',
  ...results.map((r) => `| ${r.name} | ${r.opsPerSecond.toLocaleString('en-US')} | ${r.ratio.toFixed(1)}× | ${r.low.toFixed(1)}–${r.high.toFixed(1)}× |`),
  '',
];
writeFileSync(join(root, 'bench', 'RESULTS-webpubsub.md'), lines.join('\n'));
console.log(lines.join('\n'));
