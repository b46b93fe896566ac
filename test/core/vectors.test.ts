import { describe, expect, it } from 'vitest';
import vectors from '../fixtures/official-vectors.json' with { type: 'json' };
import {
  createSasToken,
  decodeJwt,
  mintClientAccessToken,
  nobleHmac,
  parseSasToken,
  parseWebPubSubConnectionString,
  sasResourceUri,
  type ClientAccessTokenOptions,
} from '../../src/core/index.js';

// Vectors produced by Microsoft's packages (scripts/gen-vectors.mjs; re-derived from those packages
// in test/node/official-vectors.test.ts), checked here in every runtime the suite runs in.
describe('tokens equal to the official packages', () => {
  it('matches the public Notification Hubs SAS vector (relay note §2)', async () => {
    const token = await createSasToken({ resourceUri: 'endpoint/hub', keyName: 'keyName', key: 'keyVal', expiresAt: 1 });
    expect(token).toBe('SharedAccessSignature sr=endpoint%2Fhub&sig=EGsjmHg%2FOKM5bYk5pU7ZpN5ExQRuT3VCwXuCftrmUZw%3D&se=1&skn=keyName');
  });

  it('matches the relay note vectors with and without a trailing slash', async () => {
    const key = 'W2hlbGxvLXJlbGF5LXRlc3Qta2V5XQ==';
    const withSlash = await createSasToken({ resourceUri: 'http://contoso.servicebus.windows.net/hyco/', keyName: 'RootManageSharedAccessKey', key, expiresAt: 1893456000 });
    expect(parseSasToken(withSlash).signature).toBe('kt4WiO9/iTt/N1CXJM8mi5vXQDtlQqn7Z0VpsvI/7+M=');
    const noSlash = await createSasToken({ resourceUri: 'http://contoso.servicebus.windows.net/hyco', keyName: 'RootManageSharedAccessKey', key, expiresAt: 1893456000 });
    expect(parseSasToken(noSlash).signature).toBe('zU/1H0OU/DHWnaE5vlAkxwaSe2vpMC6mbyvX0F0MDmQ=');
  });

  for (const vector of vectors.relay) {
    it(`equals hyco-https createRelayToken for ${vector.uri}`, async () => {
      const expected = parseSasToken(vector.token);
      const resourceUri = sasResourceUri(vector.uri);
      expect(resourceUri).toBe(expected.resourceUri);
      const ours = await createSasToken({ resourceUri, keyName: vector.keyName, key: vector.key, expiresAt: expected.expiresAt });
      expect(ours).toBe(vector.token);
      const viaNoble = await createSasToken({ resourceUri, keyName: vector.keyName, key: vector.key, expiresAt: expected.expiresAt, hmac: nobleHmac });
      expect(viaNoble).toBe(vector.token);
    });
  }

  for (const vector of vectors.webpubsub) {
    it(`equals @azure/web-pubsub getClientAccessToken for ${JSON.stringify(vector.options)}`, async () => {
      const { endpoint, accessKey } = parseWebPubSubConnectionString(vector.connectionString);
      const ours = await mintClientAccessToken({ endpoint, accessKey, hub: vector.hub, now: vector.now, ...(vector.options as ClientAccessTokenOptions) });
      expect(decodeJwt(ours.token).payload).toEqual(decodeJwt(vector.result.token).payload);
      expect(ours.baseUrl).toBe(vector.result.baseUrl);
      // Same claims in the same order and the same key: byte-identical tokens.
      expect(ours.token).toBe(vector.result.token);
      expect(ours.url).toBe(vector.result.url);
    });
  }
});
