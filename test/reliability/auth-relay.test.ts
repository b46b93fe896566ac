import { afterAll, beforeAll } from 'vitest';
import { createSasToken } from '../../src/core/sas.js';
import { nodeHmac } from '../../src/node/hmac.js';
import { HybridConnectionListener } from '../../src/node/relay.js';
import { RELAY_LISTEN_KEY, RELAY_SEND_KEY, ROOT_KEY_NAME, WRONG_KEY, now, runAuthMatrix, upgradeStatus, type AuthCase } from './harness/auth-tools.js';
import { EmulatorFixture } from './harness/fixture.js';

// The auth matrix for Relay: listen, connect and the HTTP front, with a missing, forged, expired,
// unknown-rule, wrong-claim and other-entity token. Listeners are online, so a let-in sender
// would get 101 / 200, not 404.

const fixture = new EmulatorFixture({
  relay: {
    config: {
      namespaces: [
        {
          name: 'emulator',
          authorizationRules: [
            { name: 'listenOnly', primaryKey: RELAY_LISTEN_KEY, rights: ['Listen'] },
            { name: 'sendOnly', primaryKey: RELAY_SEND_KEY, rights: ['Send'] },
          ],
          hybridConnections: [{ name: 'guarded' }, { name: 'other' }],
        },
      ],
    },
  },
});
for (const key of [RELAY_LISTEN_KEY, RELAY_SEND_KEY, WRONG_KEY]) fixture.secrets.add(key);
const cases: AuthCase[] = [];

const relay = () => fixture.child.info.relay;
const relayKey = () => relay().connectionString.match(/SharedAccessKey=([^;]+)/)![1]!;
async function relayToken(path: string, options: { keyName?: string; key?: string; expiresAt?: number } = {}): Promise<string> {
  const token = await createSasToken({ resourceUri: `http://127.0.0.1/${path}`, keyName: options.keyName ?? ROOT_KEY_NAME, key: options.key ?? relayKey(), hmac: nodeHmac, ...(options.expiresAt ? { expiresAt: options.expiresAt } : { ttlSeconds: 600 }) });
  fixture.secrets.add(token);
  return token;
}
const listenUrl = (path: string) => `ws://127.0.0.1:${relay().port}/$hc/${path}?sb-hc-action=listen`;
const connectUrl = (path: string) => `ws://127.0.0.1:${relay().port}/$hc/${path}?sb-hc-action=connect`;
const auth = (token: string | undefined): Record<string, string> => (token ? { ServiceBusAuthorization: token } : {});
const badSignature = (token: string) => token.replace(/sig=([^&]+)/, (_m, sig: string) => `sig=${encodeURIComponent(Buffer.from(Buffer.from(decodeURIComponent(sig), 'base64').map((b) => b ^ 1)).toString('base64'))}`);

const relayCases: Array<[string, string, () => Promise<string>]> = [
  ['listen: missing token', '401', async () => upgradeStatus(listenUrl('guarded'))],
  ['listen: bad signature', '401', async () => upgradeStatus(listenUrl('guarded'), auth(badSignature(await relayToken('guarded'))))],
  ['listen: expired', '401', async () => upgradeStatus(listenUrl('guarded'), auth(await relayToken('guarded', { expiresAt: now() - 60 })))],
  ['listen: unknown rule name', '401', async () => upgradeStatus(listenUrl('guarded'), auth(await relayToken('guarded', { keyName: 'nobody', key: WRONG_KEY })))],
  ['listen: rule without the Listen claim', '403', async () => upgradeStatus(listenUrl('guarded'), auth(await relayToken('guarded', { keyName: 'sendOnly', key: RELAY_SEND_KEY })))],
  ['listen: token for another entity', '403', async () => upgradeStatus(listenUrl('guarded'), auth(await relayToken('other')))],
  ['listen: not a SAS token', '401', async () => upgradeStatus(listenUrl('guarded'), auth('Bearer nonsense'))],
  ['connect: missing token', '401', async () => upgradeStatus(connectUrl('guarded'))],
  ['connect: bad signature', '401', async () => upgradeStatus(connectUrl('guarded'), auth(badSignature(await relayToken('guarded'))))],
  ['connect: expired', '401', async () => upgradeStatus(connectUrl('guarded'), auth(await relayToken('guarded', { expiresAt: now() - 60 })))],
  ['connect: rule without the Send claim', '403', async () => upgradeStatus(connectUrl('guarded'), auth(await relayToken('guarded', { keyName: 'listenOnly', key: RELAY_LISTEN_KEY })))],
  ['connect: token for another entity', '403', async () => upgradeStatus(connectUrl('guarded'), auth(await relayToken('other')))],
];
for (const [name, expected, attempt] of relayCases) cases.push({ name, expected, attempt });
const httpStatus = async (path: string, token?: string) => {
  const response = await fetch(`http://127.0.0.1:${relay().port}/${path}`, { method: 'POST', body: 'x', headers: auth(token) });
  await response.arrayBuffer();
  return response.status === 200 ? 'let in' : String(response.status);
};
cases.push(
  { name: 'http: missing token', expected: '401', attempt: () => httpStatus('guarded') },
  { name: 'http: bad signature', expected: '401', attempt: async () => httpStatus('guarded', badSignature(await relayToken('guarded'))) },
  { name: 'http: expired', expected: '401', attempt: async () => httpStatus('guarded', await relayToken('guarded', { expiresAt: now() - 60 })) },
  { name: 'http: token for another entity', expected: '403', attempt: async () => httpStatus('guarded', await relayToken('other')) },
  { name: 'http: rule without the Send claim', expected: '403', attempt: async () => httpStatus('guarded', await relayToken('guarded', { keyName: 'listenOnly', key: RELAY_LISTEN_KEY })) },
);


const online: HybridConnectionListener[] = [];
beforeAll(async () => {
  for (const path of ['guarded', 'other']) {
    const listener = new HybridConnectionListener(relay().connectionString, { path, requestHandler: async () => new Response('inside') });
    await listener.open();
    online.push(listener);
  }
}, 30_000);
afterAll(async () => {
  await Promise.all(online.map((listener) => listener.close()));
});

runAuthMatrix('relay', fixture, cases);
