import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/core/encoding.js';
import { base64Decode, base64Encode, base64UrlEncode, hexEncode, redactSecrets, timingSafeEqual, utf8Encode } from '../../src/core/index.js';

describe('encoding', () => {
  it('matches btoa for every length mod 3', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const expected = btoa(String.fromCharCode(...bytes));
      expect(base64Encode(bytes)).toBe(expected);
      expect(base64Decode(expected)).toEqual(bytes);
      expect(base64Decode(base64UrlEncode(bytes))).toEqual(bytes);
    }
  });

  it('rejects characters outside the alphabet and impossible lengths', () => {
    expect(() => base64Decode('ab$d')).toThrow(RangeError);
    expect(() => base64Decode('abcde')).toThrow(/length mod 4 = 1/);
  });

  it('hex-encodes and compares in constant time', () => {
    expect(hexEncode(utf8Encode('AZ'))).toBe('415a');
    expect(timingSafeEqual('abc', 'abc')).toBe(true);
    expect(timingSafeEqual('abc', 'abd')).toBe(false);
    expect(timingSafeEqual('abc', 'ab')).toBe(false);
  });

  it('redacts signatures, keys and JWTs in printable text', () => {
    const text = redactSecrets(
      'wss://ns/$hc/x?sb-hc-action=listen&sb-hc-token=SharedAccessSignature%20sr%3Dx&y=1 Endpoint=sb://x/;SharedAccessKey=abc; sr=a&sig=b%3D&se=1 access_token=eyJa.eyJb.c eyJhbGciOi.eyJzdWIi.sig',
    );
    expect(text).not.toMatch(/abc|b%3D|SharedAccessSignature%20sr|eyJhbGciOi/);
    expect(text).toContain('y=1');
  });

  it('concatBytes joins chunks into an array of its own', () => {
    const first = new Uint8Array([1, 2]);
    const joined = concatBytes([first, new Uint8Array([]), new Uint8Array([3])]);
    expect([...joined]).toEqual([1, 2, 3]);
    first[0] = 9;
    expect(joined[0]).toBe(1);
    expect(concatBytes([]).length).toBe(0);
  });
});
