export * from './client-token.js';
export * from './frames.js';
export * from './rest.js';
export * from './group-client.js';
export * from './service-client.js';
export * from './odata.js';
