import { createHmac } from 'node:crypto';
import type { HmacSha256 } from '../core/crypto.js';

// node:crypto signs ~20x faster than awaiting crypto.subtle per call (DESIGN.md "Tokens";
// bench/hmac.bench.ts measures it), so the Node entry binds this one.
export const nodeHmac: HmacSha256 = (key, message) => {
  const digest = createHmac('sha256', key).update(message).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
};
