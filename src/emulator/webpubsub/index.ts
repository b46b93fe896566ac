export { startWebPubSubEmulator, type RunningWebPubSubEmulator, type WebPubSubEmulatorStats } from './server.js';
export type { EventHandlerSettings, HubSettings, SystemEventName, WebPubSubConfig, WebPubSubEmulatorOptions, WebPubSubLimits } from './options.js';
export { compileFilter, type FilterSubject } from './odata-filter.js';
