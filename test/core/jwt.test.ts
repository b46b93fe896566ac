import { describe, expect, it } from 'vitest';
import { decodeJwt, isRealtimeError, nobleHmac, signJwt, verifyJwt } from '../../src/core/index.js';

const key = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH';
const now = Date.UTC(2030, 0, 1);
const exp = now / 1000 + 3600;

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  return isRealtimeError(error) ? error.code : `not a RealtimeError: ${String(error)}`;
}

describe('HS256 JWT', () => {
  it('reproduces the public jwt.io HS256 example', async () => {
    const token = await signJwt({ sub: '1234567890', name: 'John Doe', iat: 1516239022 }, 'your-256-bit-secret');
    expect(token).toBe(
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    );
    expect(await signJwt({ sub: '1234567890', name: 'John Doe', iat: 1516239022 }, 'your-256-bit-secret', { hmac: nobleHmac })).toBe(token);
  });

  it('round-trips and checks the audience case-insensitively', async () => {
    const token = await signJwt({ aud: 'http://localhost:8080/client/hubs/Chat', exp }, key);
    await expect(verifyJwt(token, key, { audience: 'HTTP://LOCALHOST:8080/client/hubs/chat', now })).resolves.toMatchObject({ exp });
    await expect(verifyJwt(token, key, { audience: (aud) => aud.endsWith('/Chat'), now })).resolves.toBeTruthy();
  });

  it('rejects forged, expired, wrong-audience, unsigned and malformed tokens with typed codes', async () => {
    const token = await signJwt({ aud: 'a', exp }, key);
    const [header, payload] = token.split('.');
    const tampered = `${header}.${btoa(JSON.stringify({ aud: 'a', exp: exp + 1 })).replace(/=+$/, '')}.${token.split('.')[2]}`;
    expect(await code(verifyJwt(tampered, key, { now }))).toBe('unauthorized');
    expect(await code(verifyJwt(token, 'another key', { now }))).toBe('unauthorized');
    expect(await code(verifyJwt(await signJwt({ aud: 'a', exp: now / 1000 - 301 }, key), key, { now }))).toBe('expired_token');
    expect(await code(verifyJwt(token, key, { audience: 'b', now }))).toBe('forbidden');
    expect(await code(verifyJwt(await signJwt({ aud: 'a' }, key), key, { now }))).toBe('invalid_token');
    const none = `${btoa('{"alg":"none"}').replace(/=+$/, '')}.${payload}.x`;
    expect(await code(verifyJwt(none, key, { now }))).toBe('invalid_token');
    expect(await code(verifyJwt('a.b', key, { now }))).toBe('invalid_token');
    expect(await code(verifyJwt('###.###.###', key, { now }))).toBe('invalid_token');
  });

  it('tolerates 5 minutes of clock skew on exp, like the service', async () => {
    const token = await signJwt({ exp: now / 1000 - 60 }, key);
    await expect(verifyJwt(token, key, { now })).resolves.toBeTruthy();
  });

  it('decodes without verifying', async () => {
    const token = await signJwt({ sub: 'u', exp }, key);
    expect(decodeJwt(token).payload).toEqual({ sub: 'u', exp });
    expect(decodeJwt(token).header).toEqual({ alg: 'HS256', typ: 'JWT' });
  });
});
