// The public API of core outside Relay and Web PubSub, one list per module (public/*.ts), joined with
// `export *`. esbuild counts every module a list names as loaded once one name of that list is
// used, and then loads up front whatever code of those modules a lazily loaded chunk needs; with
// one list per module, a bundle that takes createSasToken loads the SAS module and what it imports,
// not the relay listener's frame reader (scripts/size.mjs). Internals (default-HMAC plumbing,
// expiry and path helpers, the unchecked token minter) stay out.

export * from './public/errors.js';
export * from './public/encoding.js';
export * from './public/crypto.js';
export * from './public/runtime.js';
export * from './public/transport.js';
export * from './public/frame-data.js';
export * from './public/backoff.js';
export * from './public/sas-create.js';
export * from './public/sas-parse.js';
export * from './public/sas.js';
export * from './public/token-provider.js';
export * from './public/sas-token-provider.js';
export * from './public/jwt.js';
export * from './public/connection-string.js';
export * from './public/envelope.js';
