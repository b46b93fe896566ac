// What runtime.ts loads on the first HMAC made without a runtime's own: only the default picker
// (a lazily imported module keeps every export it has; see sas-mint.ts).
export { getDefaultHmac } from './crypto.js';
