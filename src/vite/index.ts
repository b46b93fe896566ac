/**
 * @module azure-realtime/vite — build-tool integration (Node only): the Vite plugin, and the same
 * browser shims for esbuild and webpack 5. See docs/eventhubs-client.md "Bundling".
 */
export { browserPlugin as azureRealtime } from './browser-plugin.js';
