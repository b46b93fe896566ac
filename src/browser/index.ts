/** @module azure-realtime/browser — core with the runtime's own WebSocket and WebCrypto (the core defaults). */
export * from '../core/index.js';
