import type { Plugin } from 'vite';
import { browserPlugin } from './browser-plugin.js';
import { devEmulatorPlugin } from './dev-plugin.js';
import type { AzureRealtimeOptions } from './options.js';

/**
 * The Vite plugin: `plugins: [azureRealtime()]` makes `azure-realtime/eventhubs` (and the
 * `@azure/event-hubs` SDK behind it) build and run in the browser; `azureRealtime({ emulator: true })`
 * also runs the emulators inside the dev server with keyless endpoints for the page.
 */
export function azureRealtime(options: AzureRealtimeOptions = {}): Plugin[] {
  const plugins = [browserPlugin()];
  if (options.emulator) plugins.push(devEmulatorPlugin(options.emulator === true ? {} : options.emulator));
  return plugins;
}
