/** @module azure-realtime/emulator — Node only. */
export * from './start.js';
export * from './types.js';
export * from './defaults.js';
export { DEFAULT_PORTS } from './cli-args.js';
export * from './relay/index.js';
export * from './webpubsub/index.js';
export * from './eventhubs/index.js';
export { startAzurite, type RunningAzurite, type AzuriteOptions } from './azurite.js';
export { startDashboard, DEFAULT_DASHBOARD_PORT, type DashboardOptions, type DashboardSources, type RunningDashboard, type DashboardPicture } from './dashboard/index.js';
