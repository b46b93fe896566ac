/** @module azure-realtime/emulator — Node only. */
export * from './start.js';
export * from './types.js';
export * from './defaults.js';
export { DEFAULT_PORTS } from './cli-args.js';
