import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { HmacSha256 } from './runtime-types.js';

// Imports nothing else of ours at run time: crypto.ts loads this file lazily, and a lazily loaded
// module that pulls in shared core modules makes esbuild wrap those in lazy initialisers, which
// single-file bundles can then use before they run (found through the relay bundle-size work).
const encoder = new TextEncoder();
const toBytes = (value: string | Uint8Array): Uint8Array => (typeof value === 'string' ? encoder.encode(value) : value);

/** Synchronous pure-JS HMAC-SHA256; works without `crypto.subtle` (insecure origins, old runtimes). */
export const nobleHmac: HmacSha256 = (key, message) => hmac(sha256, toBytes(key), toBytes(message));
