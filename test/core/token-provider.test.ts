import { describe, expect, it } from 'vitest';
import type { TokenCredential } from '@azure/core-auth';
import { createSasToken, createSasTokenProvider, parseSasToken } from '../../src/core/index.js';

describe('createSasTokenProvider', () => {
  it('mints per audience, caches, and renews before expiry', async () => {
    let clock = Date.UTC(2030, 0, 1);
    const provider = createSasTokenProvider({ keyName: 'k', key: 'v' }, { ttlSeconds: 100, renewBeforeSeconds: 10, now: () => clock });
    const first = await provider.getToken('http://ns/a');
    expect(first.expiresAt).toBe(clock / 1000 + 100);
    expect(parseSasToken(first.token).resourceUri).toBe('http://ns/a');
    clock += 80_000; // 20 s left: still fresh
    expect(await provider.getToken('http://ns/a')).toBe(first);
    expect((await provider.getToken('http://ns/b')).token).not.toBe(first.token);
    clock += 11_000; // 9 s left: inside the renewal window
    const renewed = await provider.getToken('http://ns/a');
    expect(renewed.expiresAt).toBe(clock / 1000 + 100);
  });

  it('returns a fixed SharedAccessSignature as is, with its expiry', async () => {
    const fixed = await createSasToken({ resourceUri: 'http://ns/a', keyName: 'k', key: 'v', expiresAt: 1_900_000_000 });
    const provider = createSasTokenProvider({ sharedAccessSignature: fixed });
    expect(await provider.getToken('http://ns/a')).toEqual({ token: fixed, expiresAt: 1_900_000_000 });
  });

  it('uses a TokenCredential with the given scope', async () => {
    const scopes: string[] = [];
    const credential: TokenCredential = {
      getToken: async (scope) => {
        scopes.push(String(scope));
        return { token: 'entra-token', expiresOnTimestamp: 1_900_000_000_000 };
      },
    };
    const provider = createSasTokenProvider(credential, { scope: 'https://relay.azure.net/.default' });
    expect(await provider.getToken('http://ns/a')).toEqual({ token: 'entra-token', expiresAt: 1_900_000_000 });
    expect(scopes).toEqual(['https://relay.azure.net/.default']);
    expect(() => createSasTokenProvider(credential)).toThrow(/scope/);
  });

  it('rejects an unknown source shape', () => {
    expect(() => createSasTokenProvider({ key: 'v' } as never)).toThrow(/expected \{ keyName, key \}/);
  });
});
