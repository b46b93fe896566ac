// The public Event Hubs API of core, name by name (published as `azure-realtime/eventhubs`, src/eventhubs).
export {
  createEventHubConsumerClient,
  createEventHubProducerClient,
  type EmulatorWebSocketOptions,
  type EventHubsConnection,
  type EventHubsEndpoint,
} from './clients.js';
export {
  eventHubsSasTokenProvider,
  toEventHubsCredential,
  type EventHubsCredential,
  type EventHubsCredentialSource,
  type EventHubsSasTokenProvider,
} from './credential.js';
export { downgradeEmulatorUrl, plainWebSocketFor } from './websocket.js';
export { createWebStorageCheckpointStore, type WebStorageCheckpointStoreOptions, type WebStorageLike } from './web-storage-checkpoint-store.js';
export { createIndexedDbCheckpointStore, type IndexedDbCheckpointStore, type IndexedDbCheckpointStoreOptions } from './indexeddb-checkpoint-store.js';
