import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { signJwt } from '../../../src/core/jwt.js';
import { verifyRestToken } from '../../../src/emulator/webpubsub/auth.js';
import type { JwtPayload } from '../../../src/core/jwt.js';
import { VerifiedTokens } from '../../../src/emulator/host/verified-tokens.js';
import { nodeHmac } from '../../../src/node/hmac.js';

// A REST caller's token is verified once (signature, exp, nbf), then taken from the emulator's table
// while it lasts: its expiry is still checked on every request, and its audience against each
// request's Host and URL; a token that failed is never kept.

const KEY = 'rest-test-access-key';
const PORT = 8080;
const NOW = 1_700_000_000_000;
const PATH = '/api/hubs/h/groups/g/:send';

const requestWith = (token: string, host = `127.0.0.1:${PORT}`) => ({ headers: { authorization: `Bearer ${token}`, host } }) as unknown as IncomingMessage;
const urlOf = (path: string) => new URL(`http://127.0.0.1:${PORT}${path}?api-version=2024-01-01`);
const tokenFor = (path: string, exp = NOW / 1000 + 3600, key = KEY) => signJwt({ aud: `http://127.0.0.1:${PORT}${path}`, exp }, key, { hmac: nodeHmac });

describe('verified REST tokens', () => {
  it('keeps a reused token once and refuses it once it expired (exp + 300 s skew)', async () => {
    const verified = new VerifiedTokens<JwtPayload>();
    const token = await tokenFor(PATH);
    for (let i = 0; i < 20; i++) await expect(verifyRestToken(requestWith(token), KEY, urlOf(PATH), PORT, verified, NOW)).resolves.toMatchObject({ aud: expect.any(String) });
    expect(verified.size).toBe(1);
    const expired = NOW + 3600_000 + 300_000;
    await expect(verifyRestToken(requestWith(token), KEY, urlOf(PATH), PORT, verified, expired)).rejects.toMatchObject({ code: 'expired_token', status: 401 });
    expect(verified.size).toBe(0);
  });

  it('still checks the audience against each request’s path and Host', async () => {
    const verified = new VerifiedTokens<JwtPayload>();
    const token = await tokenFor(PATH);
    await verifyRestToken(requestWith(token), KEY, urlOf(PATH), PORT, verified, NOW);
    await expect(verifyRestToken(requestWith(token), KEY, urlOf('/api/hubs/h/groups/other/:send'), PORT, verified, NOW)).rejects.toMatchObject({ code: 'forbidden', status: 401 });
    // The same request again is answered from the remembered audience check, still refused.
    await expect(verifyRestToken(requestWith(token), KEY, urlOf('/api/hubs/h/groups/other/:send'), PORT, verified, NOW)).rejects.toMatchObject({ code: 'forbidden' });
    const elsewhere = await signJwt({ aud: `http://example.com:${PORT}${PATH}`, exp: NOW / 1000 + 3600 }, KEY, { hmac: nodeHmac });
    await expect(verifyRestToken(requestWith(elsewhere), KEY, urlOf(PATH), PORT, verified, NOW)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(verifyRestToken(requestWith(elsewhere, `example.com:${PORT}`), KEY, urlOf(PATH), PORT, verified, NOW)).resolves.toBeDefined();
  });

  it('keeps no token that failed its signature, expiry or nbf check', async () => {
    const verified = new VerifiedTokens<JwtPayload>();
    const forged = await tokenFor(PATH, NOW / 1000 + 3600, 'another-key');
    await expect(verifyRestToken(requestWith(forged), KEY, urlOf(PATH), PORT, verified, NOW)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(verifyRestToken(requestWith(forged), KEY, urlOf(PATH), PORT, verified, NOW)).rejects.toMatchObject({ code: 'unauthorized' });
    const stale = await tokenFor(PATH, NOW / 1000 - 3600);
    await expect(verifyRestToken(requestWith(stale), KEY, urlOf(PATH), PORT, verified, NOW)).rejects.toMatchObject({ code: 'expired_token' });
    const early = await signJwt({ aud: `http://127.0.0.1:${PORT}${PATH}`, exp: NOW / 1000 + 3600, nbf: NOW / 1000 + 3000 }, KEY, { hmac: nodeHmac });
    await expect(verifyRestToken(requestWith(early), KEY, urlOf(PATH), PORT, verified, NOW)).rejects.toMatchObject({ status: 401 });
    expect(verified.size).toBe(0);
  });

  it('holds at most its capacity, dropping the oldest', async () => {
    const verified = new VerifiedTokens<JwtPayload>(2);
    const tokens = await Promise.all([1, 2, 3].map((i) => tokenFor(PATH, NOW / 1000 + 3600 + i)));
    for (const token of tokens) await verifyRestToken(requestWith(token), KEY, urlOf(PATH), PORT, verified, NOW);
    expect(verified.size).toBe(2);
    expect(verified.get(tokens[0]!, NOW)).toBeUndefined();
    expect(verified.get(tokens[2]!, NOW)).toBeDefined();
  });
});
