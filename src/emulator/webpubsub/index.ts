export { startWebPubSubEmulator, type RunningWebPubSubEmulator } from './server.js';
export type { EventHandlerSettings, HubSettings, SystemEventName, WebPubSubConfig, WebPubSubEmulatorOptions } from './options.js';
export { compileFilter, type FilterSubject } from './odata-filter.js';
