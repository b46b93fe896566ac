import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import https from 'hyco-https';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { createSasToken, decodeJwt, mintClientAccessToken, parseSasToken, parseWebPubSubConnectionString, sasResourceUri } from '../../src/node/index.js';

// The fixture file the cross-runtime suite reads must stay what Microsoft's packages produce today.
const vectors = JSON.parse(readFileSync(new URL('../fixtures/official-vectors.json', import.meta.url), 'utf8'));

afterEach(() => {
  vi.useRealTimers();
});

describe('official packages still produce the fixture vectors', () => {
  it('hyco-https createRelayToken', () => {
    vi.useFakeTimers({ now: 1893456000000 - 3600_000, toFake: ['Date'] });
    for (const vector of vectors.relay) {
      expect(https.createRelayToken(vector.uri, vector.keyName, vector.key)).toBe(vector.token);
    }
  });

  it('@azure/web-pubsub getClientAccessToken', async () => {
    for (const vector of vectors.webpubsub) {
      vi.useFakeTimers({ now: vector.now, toFake: ['Date'] });
      const client = new WebPubSubServiceClient(vector.connectionString, vector.hub);
      expect(await client.getClientAccessToken(vector.options)).toEqual(vector.result);
    }
  });
});

describe('node entry (node:crypto HMAC) against live official calls', () => {
  it('equals createRelayToken for a fresh URI at the current time', async () => {
    const uri = 'sb://fresh-ns.servicebus.windows.net/some/path';
    const theirs = https.createRelayToken(uri, 'rule', 'a-key', 600);
    const ours = await createSasToken({ resourceUri: sasResourceUri(uri), keyName: 'rule', key: 'a-key', expiresAt: parseSasToken(theirs).expiresAt });
    expect(ours).toBe(theirs);
  });

  it('mints client tokens whose claims equal the SDK and whose signature node:crypto verifies', async () => {
    const conn = 'Endpoint=http://localhost:8080;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;';
    const options = { userId: 'alice', roles: ['webpubsub.sendToGroup'], groups: ['a', 'b'], expirationTimeInMinutes: 10 };
    vi.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    const theirs = await new WebPubSubServiceClient(conn, 'hub1').getClientAccessToken(options);
    const { endpoint, accessKey } = parseWebPubSubConnectionString(conn);
    const ours = await mintClientAccessToken({ endpoint, accessKey, hub: 'hub1', ...options });
    expect(decodeJwt(ours.token).payload).toEqual(decodeJwt(theirs.token).payload);
    expect(ours.url).toBe(theirs.url);
    const [header, payload, signature] = ours.token.split('.');
    const expected = createHmac('sha256', accessKey).update(`${header}.${payload}`).digest('base64url');
    expect(signature).toBe(expected);
  });
});
