import { utf8Encode } from './encoding.js';
import type { HmacSha256 } from './runtime-types.js';

export type { HmacSha256 };

const toBytes = (value: string | Uint8Array): Uint8Array => (typeof value === 'string' ? utf8Encode(value) : value);

// importKey costs more than sign itself; cache a few keys by their string form.
const KEY_CACHE_LIMIT = 32;

/** HMAC over WebCrypto (`crypto.subtle`), with imported keys cached. Needs a secure context in browsers. */
export function createWebCryptoHmac(subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle): HmacSha256 {
  if (!subtle) {
    throw new TypeError('expected crypto.subtle (a secure context), got undefined; pass `hmac: nobleHmac`');
  }
  const cache = new Map<string, Promise<CryptoKey>>();
  const importKey = (key: Uint8Array) =>
    subtle.importKey('raw', key as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return async (key, message) => {
    let cryptoKey: Promise<CryptoKey>;
    if (typeof key === 'string') {
      let cached = cache.get(key);
      if (!cached) {
        if (cache.size >= KEY_CACHE_LIMIT) cache.delete(cache.keys().next().value!);
        cached = importKey(utf8Encode(key));
        cache.set(key, cached);
        cached.catch(() => cache.delete(key as string));
      }
      cryptoKey = cached;
    } else {
      cryptoKey = importKey(key);
    }
    const signature = await subtle.sign('HMAC', await cryptoKey, toBytes(message) as BufferSource);
    return new Uint8Array(signature);
  };
}

let defaultHmac: HmacSha256 | undefined;

/**
 * The HMAC used when none is passed: WebCrypto where it exists, else @noble/hashes loaded on
 * first use (insecure browser origins have no `crypto.subtle`). The runtime entries pass faster
 * ones explicitly (node:crypto in Node).
 */
export function getDefaultHmac(): HmacSha256 {
  if (defaultHmac) return defaultHmac;
  if (globalThis.crypto?.subtle) {
    defaultHmac = createWebCryptoHmac(globalThis.crypto.subtle);
  } else {
    let loaded: Promise<HmacSha256> | undefined;
    defaultHmac = async (key, message) => {
      loaded ??= import('./crypto-noble.js').then((m) => m.nobleHmac);
      return (await loaded)(key, message);
    };
  }
  return defaultHmac;
}

export async function hmacSha256(hmac: HmacSha256 | undefined, key: string | Uint8Array, message: string | Uint8Array): Promise<Uint8Array> {
  return (hmac ?? getDefaultHmac())(key, message);
}
