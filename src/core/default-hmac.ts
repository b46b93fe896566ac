// What runtime.ts loads on the first HMAC made without a runtime's own: only the default picker
// (a lazily imported module keeps every export it has: importing crypto.ts itself would
// keep createWebCryptoHmac and hmacSha256 too, up front in bundles that reach crypto.ts directly).
export { getDefaultHmac } from './crypto.js';
