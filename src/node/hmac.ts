import { createHmac } from 'node:crypto';
import type { HmacSha256 } from '../core/runtime-types.js';

// node:crypto mints SAS tokens about 2.5x as fast as awaiting crypto.subtle per call in Node 20
// (bench/sas-tokens.bench.mjs: ~110k vs ~44k tokens/s), so the Node runtime (runtime.ts) binds this one.
export const nodeHmac: HmacSha256 = (key, message) => {
  const digest = createHmac('sha256', key).update(message).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
};
