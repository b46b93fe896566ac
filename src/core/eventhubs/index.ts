export * from './clients.js';
export * from './credential.js';
export * from './websocket.js';
