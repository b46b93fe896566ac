export * from './errors.js';
export * from './encoding.js';
export * from './crypto.js';
export { nobleHmac } from './crypto-noble.js';
export * from './transport.js';
export * from './backoff.js';
export * from './sas.js';
export * from './token-provider.js';
export { isTokenCredential } from './token-provider.js'; // also defined in webpubsub/rest.ts
export * from './jwt.js';
export * from './connection-string.js';
export * from './webpubsub/client-token.js';
export * from './relay/index.js';
export * from './webpubsub/index.js';
export * from './codec/envelope.js';
