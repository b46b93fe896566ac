import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { HmacSha256 } from './crypto.js';
import { utf8Encode } from './encoding.js';

const toBytes = (value: string | Uint8Array): Uint8Array => (typeof value === 'string' ? utf8Encode(value) : value);

/** Synchronous pure-JS HMAC-SHA256; works without `crypto.subtle` (insecure origins, old runtimes). */
export const nobleHmac: HmacSha256 = (key, message) => hmac(sha256, toBytes(key), toBytes(message));
