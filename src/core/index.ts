// The public API of core: what the runtime entries (src/browser, src/node) publish. Each list is
// explicit (public-api.ts, relay/index.ts, webpubsub/index.ts); this file only joins them.
// Joined with `export *` on purpose: esbuild counts every module a file re-exports by name as loaded
// with that file, so naming nobleHmac next to createSasToken put @noble/hashes (the lazy fallback,
// crypto.ts) into every bundle that uses createSasToken (scripts/size.mjs measures it).
export * from './public-api.js';
export { nobleHmac } from './crypto-noble.js';
export * from './relay/index.js';
export * from './webpubsub/index.js';
