/**
 * @module azure-realtime/browser — core's public API (core/index.ts, an explicit list) on the browser
 * runtime: the global WebSocket and WebCrypto, core's own defaults (runtime.ts says why nothing is bound).
 */
export * from '../core/index.js';
export { browserRuntime } from './runtime.js';
