export * from './clients.js';
export * from './credential.js';
export * from './websocket.js';
export * from './web-storage-checkpoint-store.js';
