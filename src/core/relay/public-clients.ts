// The Relay client classes and their option types, name by name (joined in index.ts).
export { HybridConnectionListener, type HybridConnectionListenerOptions, type ListenerEvents, type ListenerStatus } from './listener.js';
export type { AcceptHandler, AcceptResult, RelayAcceptRequest, RelayConnection } from './listener-types.js';
export type { RelayEntityOptions, RelayRuntimeOptions, Timers } from './entity-config.js';
export type { RelayRequestHandler } from './http-bridge.js';
export { HybridConnectionClient, type HybridConnectionClientOptions, type CreateConnectionOptions } from './client.js';
