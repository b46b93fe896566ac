/**
 * @module azure-realtime/vite — build-tool integration (Node only): the Vite plugin, and the same
 * browser shims for esbuild and webpack 5. See docs/eventhubs-client.md "Bundling".
 */
export { azureRealtime } from './plugin.js';
export { azureRealtimeEsbuild, type EsbuildPluginLike } from './esbuild.js';
export { azureRealtimeWebpack, type WebpackPluginLike } from './webpack.js';
export type { AzureRealtimeOptions, DevEmulatorOptions } from './options.js';
export type { DevConfig } from './dev-backend.js';
