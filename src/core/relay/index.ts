export * from './protocol.js';
export * from './urls.js';
export { HybridConnectionListener, type HybridConnectionListenerOptions, type ListenerEvents, type ListenerStatus } from './listener.js';
export type { AcceptHandler, AcceptResult, RelayAcceptRequest, RelayConnection } from './listener-types.js';
export type { RelayEntityOptions, RelayRuntimeOptions, Timers } from './listener-config.js';
export type { RelayRequestHandler } from './http-bridge.js';
export { HybridConnectionClient, type HybridConnectionClientOptions, type CreateConnectionOptions } from './client.js';
