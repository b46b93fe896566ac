export { startEventHubsEmulator } from './server.js';
export type { EventHubsEmulatorOptions, EventHubsEmulatorInfo, EventHubsLimits, RunningEventHubsEmulator } from './server.js';
export type { EventHubsEmulatorConfig, EventHubConfig } from './config.js';
export { DEFAULT_EVENTHUBS_CONFIG } from './config.js';
export type { SharedAccessPolicy, Claim } from './cbs.js';
export { AMQP_WEBSOCKET_PATH, AMQP_WEBSOCKET_PROTOCOL } from './websocket.js';
