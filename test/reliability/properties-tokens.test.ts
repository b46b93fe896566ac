import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConnectionStringPairs, parseRelayQuickstartConfig, parseServiceBusConnectionString, parseWebPubSubConnectionString } from '../../src/core/connection-string.js';
import { signJwt, verifyJwt, decodeJwt } from '../../src/core/jwt.js';
import { createSasToken, normalizeSasAudience, parseSasToken, sasAudienceCovers, sasResourceUri, verifySasToken } from '../../src/core/sas.js';
import { nodeHmac } from '../../src/node/hmac.js';
import { PROPERTY_TIMEOUT_MS } from './harness/budget.js';
import { mutatedText } from './harness/mutate.js';
import { checkAsyncProperty, checkProperty } from './harness/property.js';
import { UntypedError, expectTyped, expectTypedAsync } from './harness/typed.js';

// Connection strings, SAS and JWT: parse and verify take anything without crashing, and a mutated
// token that still verifies must mean exactly what the signed one meant (else it is "let in").

const KEY = 'cmVsaWFiaWxpdHktc3VpdGUta2V5LW5vdC1hLXJlYWwtb25l';
const NOW = Date.UTC(2026, 0, 1);

const CONNECTION_STRINGS = [
  `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=${KEY};EntityPath=hyco`,
  `Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=Root;SharedAccessKey=${KEY};UseDevelopmentEmulator=true`,
  'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessSignature=SharedAccessSignature sr=x&sig=y&se=1&skn=k',
  `Endpoint=https://wps.webpubsub.azure.com;AccessKey=${KEY};Version=1.0;`,
  `Endpoint=http://localhost;Port=8080;AccessKey=${KEY};Version=1.0;`,
];
const QUICKSTART = JSON.stringify({ namespace: 'ns.servicebus.windows.net', path: 'hyco', keyrule: 'Root', key: KEY });

describe('connection strings', () => {
  it('arbitrary and mutated strings: parsed or a typed error', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    const parseAll = (text: string) => {
      expectTyped(() => parseConnectionStringPairs(text));
      expectTyped(() => parseServiceBusConnectionString(text));
      expectTyped(() => parseWebPubSubConnectionString(text));
      expectTyped(() => parseRelayQuickstartConfig(text));
    };
    checkProperty('connection strings', fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), mutatedText([...CONNECTION_STRINGS, QUICKSTART])), parseAll);
  });
});

describe('SAS tokens', () => {
  const resourceUri = 'http://127.0.0.1/hyco';
  const getKey = (name: string) => (name === 'Root' ? KEY : undefined);
  let token: string;
  let original: ReturnType<typeof parseSasToken>;
  beforeAll(async () => {
    token = await createSasToken({ resourceUri, keyName: 'Root', key: KEY, expiresAt: NOW / 1000 + 3600, hmac: nodeHmac });
    original = parseSasToken(token);
  });

  it('the seed verifies (mutations start from a valid token)', { timeout: PROPERTY_TIMEOUT_MS }, async () => {
    await expect(verifySasToken(token, { getKey, audience: resourceUri, now: NOW, hmac: nodeHmac })).resolves.toBeTruthy();
  });

  it('audience helpers take any string', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    checkProperty('SAS audience helpers', fc.tuple(fc.string({ unit: 'binary', maxLength: 200 }), fc.webUrl()), ([text, url]) => {
      expectTyped(() => normalizeSasAudience(text));
      expectTyped(() => sasResourceUri(text));
      expectTyped(() => sasAudienceCovers(text, url));
      expectTyped(() => sasAudienceCovers(url, text));
    });
  });

  it('arbitrary and mutated tokens: a typed refusal, or a token that means what was signed', { timeout: PROPERTY_TIMEOUT_MS }, async () => {
    await checkAsyncProperty('SAS parse/verify', fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.constant(null).chain(() => mutatedText([token]))), async (candidate) => {
      expectTyped(() => parseSasToken(candidate));
      const verified = await expectTypedAsync(() => verifySasToken(candidate, { getKey, audience: resourceUri, now: NOW, hmac: nodeHmac }));
      if (verified instanceof Error) return;
      if (verified.resourceUri !== original.resourceUri || verified.expiresAt !== original.expiresAt || verified.keyName !== original.keyName) {
        throw new UntypedError(`let in: a mutated token verified as ${JSON.stringify(verified)}`);
      }
    });
  });
});

describe('JWT', () => {
  const audience = 'http://127.0.0.1:8080/client/hubs/chat';
  let token: string;
  beforeAll(async () => {
    token = await signJwt({ aud: audience, exp: NOW / 1000 + 3600, sub: 'user-1', role: ['webpubsub.joinLeaveGroup.g'] }, KEY, { hmac: nodeHmac });
  });

  it('the seed verifies', { timeout: PROPERTY_TIMEOUT_MS }, async () => {
    await expect(verifyJwt(token, KEY, { audience, now: NOW, hmac: nodeHmac })).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('arbitrary and mutated tokens: a typed refusal, or the exact payload that was signed', { timeout: PROPERTY_TIMEOUT_MS }, async () => {
    const signedPayload = JSON.stringify(decodeJwt(token).payload);
    const segment = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_='.split('')), maxLength: 80 });
    const shaped = fc.tuple(segment, segment, segment).map((parts) => parts.join('.'));
    const headers = fc.constantFrom('none', 'HS384', 'HS512', 'RS256', 'hs256', '').map((alg) => `${Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url')}.${token.split('.')[1]}.${token.split('.')[2]}`);
    await checkAsyncProperty('JWT verify', fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), shaped, headers, mutatedText([token])), async (candidate) => {
      expectTyped(() => decodeJwt(candidate));
      const verified = await expectTypedAsync(() => verifyJwt(candidate, KEY, { audience, now: NOW, hmac: nodeHmac }));
      if (verified instanceof Error) return;
      if (JSON.stringify(verified) !== signedPayload) throw new UntypedError(`let in: a mutated JWT verified as ${JSON.stringify(verified)}`);
    });
  });
});
