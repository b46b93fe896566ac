import { describe, expect, it } from 'vitest';
import { createSasToken, isRealtimeError, normalizeSasAudience, parseSasToken, sasAudienceCovers, verifySasToken, type RealtimeError } from '../../src/core/index.js';

const key = 'c2VjcmV0LWtleS1mb3ItdGVzdHM=';
const keyName = 'RootManageSharedAccessKey';
const now = Date.UTC(2030, 0, 1);
const getKey = (name: string) => (name === keyName ? key : undefined);
const mint = (resourceUri: string, expiresAt = now / 1000 + 60) => createSasToken({ resourceUri, keyName, key, expiresAt });

async function rejection(promise: Promise<unknown>): Promise<RealtimeError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!isRealtimeError(error)) throw new Error(`expected a RealtimeError, got ${String(error)}`);
  return error;
}

describe('createSasToken', () => {
  it('derives se from ttlSeconds and the clock', async () => {
    const token = await createSasToken({ resourceUri: 'http://ns/hc', keyName, key, ttlSeconds: 120, now });
    expect(parseSasToken(token).expiresAt).toBe(now / 1000 + 120);
  });

  it('rejects bad arguments with "expected … got …" and never echoes the key', async () => {
    await expect(createSasToken({ resourceUri: '', keyName, key })).rejects.toThrow(/expected resourceUri to be a non-empty string, got an empty string/);
    await expect(createSasToken({ resourceUri: 'http://ns/hc', keyName, key: 42 as unknown as string })).rejects.toThrow(TypeError);
    await expect(createSasToken({ resourceUri: 'http://ns/hc', keyName, key, ttlSeconds: -1 })).rejects.toThrow(RangeError);
    const error = await createSasToken({ resourceUri: 'http://ns/hc', keyName, key, expiresAt: 1.5 }).catch((e: Error) => e);
    expect(String(error)).not.toContain(key);
  });
});

describe('parseSasToken', () => {
  it('reads the fields in any order and decodes them', () => {
    const parsed = parseSasToken('SharedAccessSignature sig=abc%2B%3D&se=99&skn=rule&sr=http%3A%2F%2Fns%2Fhc');
    expect(parsed).toEqual({ resourceUri: 'http://ns/hc', encodedResourceUri: 'http%3A%2F%2Fns%2Fhc', keyName: 'rule', expiresAt: 99, signature: 'abc+=' });
  });

  it.each([
    ['not a string', 5],
    ['wrong scheme', 'Bearer abc'],
    ['missing sig', 'SharedAccessSignature sr=a&se=1&skn=k'],
    ['non-numeric se', 'SharedAccessSignature sr=a&sig=s&se=soon&skn=k'],
    ['duplicate field', 'SharedAccessSignature sr=a&sr=b&sig=s&se=1&skn=k'],
    ['bad escape', 'SharedAccessSignature sr=%E0%A4%A&sig=s&se=1&skn=k'],
    ['pair without =', 'SharedAccessSignature sr&sig=s&se=1&skn=k'],
  ])('rejects %s with invalid_token and no signature in the message', (_name, token) => {
    let caught: unknown;
    try {
      parseSasToken(token as string);
    } catch (error) {
      caught = error;
    }
    expect(isRealtimeError(caught, 'invalid_token')).toBe(true);
    expect((caught as Error).message).toMatch(/^expected a SharedAccessSignature token/);
    expect((caught as Error).message).not.toContain('sig=s');
  });
});

describe('verifySasToken', () => {
  it('accepts a valid token for its own resource and below it', async () => {
    const token = await mint('http://ns.servicebus.windows.net/hc');
    await expect(verifySasToken(token, { getKey, audience: 'sb://ns.servicebus.windows.net/hc', now })).resolves.toMatchObject({ keyName });
    await expect(verifySasToken(token, { getKey, audience: 'http://ns.servicebus.windows.net/hc/suffix/x', now })).resolves.toBeTruthy();
  });

  it.each([
    ['scheme', 'sb://ns.servicebus.windows.net/hc', 'https://ns.servicebus.windows.net/hc'],
    ['host case', 'http://NS.ServiceBus.Windows.Net/hc', 'wss://ns.servicebus.windows.net/hc'],
    ['explicit port', 'http://ns.servicebus.windows.net:443/hc', 'sb://ns.servicebus.windows.net/hc'],
    ['trailing slash', 'http://ns.servicebus.windows.net/hc/', 'sb://ns.servicebus.windows.net/hc'],
    ['$hc segment', 'http://ns.servicebus.windows.net/hc', 'wss://ns.servicebus.windows.net:443/$hc/hc?sb-hc-action=listen'],
    ['namespace scope', 'sb://ns.servicebus.windows.net/', 'sb://ns.servicebus.windows.net/any/entity'],
  ])('tolerates %s in the audience', async (_name, sr, target) => {
    await expect(verifySasToken(await mint(sr), { getKey, audience: target, now })).resolves.toBeTruthy();
  });

  it('rejects another entity and a mere string prefix with forbidden (403)', async () => {
    const token = await mint('http://ns/hc');
    const other = await rejection(verifySasToken(token, { getKey, audience: 'http://ns/other', now }));
    expect([other.code, other.status]).toEqual(['forbidden', 403]);
    const prefix = await rejection(verifySasToken(token, { getKey, audience: 'http://ns/hc2', now }));
    expect(prefix.code).toBe('forbidden');
  });

  it('rejects a bad signature, an unknown rule and an expired token with 401 codes', async () => {
    const token = await mint('http://ns/hc');
    const forged = token.replace(/sig=[^&]+/, 'sig=AAAA');
    expect((await rejection(verifySasToken(forged, { getKey, now }))).code).toBe('unauthorized');
    const otherKey = await createSasToken({ resourceUri: 'http://ns/hc', keyName, key: 'other', expiresAt: now / 1000 + 60 });
    expect((await rejection(verifySasToken(otherKey, { getKey, now }))).code).toBe('unauthorized');
    const unknownRule = await createSasToken({ resourceUri: 'http://ns/hc', keyName: 'nobody', key, expiresAt: now / 1000 + 60 });
    expect((await rejection(verifySasToken(unknownRule, { getKey, now }))).code).toBe('unauthorized');
    const expired = await rejection(verifySasToken(await mint('http://ns/hc', now / 1000 - 1), { getKey, now }));
    expect([expired.code, expired.status]).toEqual(['expired_token', 401]);
  });

  it('checks the signature over sr exactly as sent (lowercase hex escapes are a different string)', async () => {
    const token = await mint('http://ns/hc');
    const relowered = token.replace('http%3A%2F%2F', 'http%3a%2f%2f');
    expect((await rejection(verifySasToken(relowered, { getKey, now }))).code).toBe('unauthorized');
  });
});

describe('audience helpers', () => {
  it('normalizes scheme, host, port, $hc, query and trailing slash', () => {
    expect(normalizeSasAudience('wss://NS.example.net:443/$hc/My%20Hub/?sb-hc-action=listen')).toBe('ns.example.net/my hub');
  });
  it('matches on path-segment boundaries only', () => {
    expect(sasAudienceCovers('http://ns/a', 'http://ns/a/b')).toBe(true);
    expect(sasAudienceCovers('http://ns/a', 'http://ns/ab')).toBe(false);
  });
});
