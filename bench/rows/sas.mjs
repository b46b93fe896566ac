// Row 9: SAS token minting on the Node entry, against hyco-https's createRelayToken and the floor:
// node:crypto createHmac plus the token's string formatting written inline. In-process (no server).
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { importOurs } from '../lib/build.mjs';
import { alternate, finishCase } from '../lib/rounds.mjs';

const require = createRequire(import.meta.url);
const resourceUri = 'http://contoso.servicebus.windows.net/hyco';
const keyName = 'RootManageSharedAccessKey';
const key = 'W2hlbGxvLXJlbGF5LXRlc3Qta2V5XQ==';

// The floor: exactly the bytes a SAS token is made of, nothing else.
function floorToken() {
  const expiry = Math.floor(Date.now() / 1000) + 3600;
  const audience = encodeURIComponent(resourceUri);
  const signature = createHmac('sha256', key).update(`${audience}\n${expiry}`).digest('base64');
  return `SharedAccessSignature sr=${audience}&sig=${encodeURIComponent(signature)}&se=${expiry}&skn=${keyName}`;
}

async function rate(mint, ms) {
  let count = 0;
  const start = performance.now();
  const end = start + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 200; i++) await mint();
    count += 200;
  }
  return (count * 1000) / (performance.now() - start);
}

export const row = {
  id: 'sas',
  title: 'SAS minting, Node entry',
  goal: '≥ 0.9× the floor (createHmac + formatting inline)',
  async run(ctx) {
    const { createSasToken } = await importOurs('node');
    const hyco = require('hyco-https');
    const ours = () => createSasToken({ resourceUri, keyName, key, ttlSeconds: 3600 });
    const peer = () => hyco.createRelayToken('sb://contoso.servicebus.windows.net/hyco', keyName, key, 3600);
    // Same shape from all three (the signature differs only by expiry second).
    const shape = (token) => token.replace(/sig=[^&]+/, 'sig=').replace(/se=\d+/, 'se=');
    if (shape(await ours()) !== shape(floorToken())) throw new Error(`our token differs from the floor's: ${shape(await ours())}`);
    // In-process and quick: many short rounds interleave more finely than a few long ones.
    const ms = ctx.roundMs(300);
    const measured = await alternate(
      {
        ours: { name: 'azure-realtime/node createSasToken (awaited)', run: () => rate(ours, ms) },
        peer: { name: 'hyco-https 1.4.5 createRelayToken', run: () => rate(peer, ms) },
        limit: { name: 'createHmac + template string, inline', run: () => rate(floorToken, ms) },
      },
      { rounds: ctx.rounds * 3, warmup: ctx.warmup, deadline: ctx.deadline },
    );
    ctx.notes.push('One token per call, 1-hour expiry, same key and URI; ours is awaited (it returns a Promise), the peer and the floor are synchronous.');
    return [
      finishCase({ id: 'tokens', label: 'tokens/s', unit: 'tokens/s', better: 'higher', ratio: { against: 'limit' }, goal: { op: '>=', value: 0.9, text: '≥ 0.9× floor' } }, measured),
    ];
  },
};
