// The public Relay API of core, name by name.
export {
  CONTROL_CHANNEL_BODY_LIMIT,
  CONTROL_CHANNEL_HEADER_LIMIT,
  CONTROL_MESSAGE_MAX_LENGTH,
  HTTP_RESPONSE_DEADLINE_MS,
  MAX_LISTENERS_PER_ENTITY,
  RENDEZVOUS_LIFETIME_MS,
  decodeControlMessage,
  encodeControlMessage,
  type AcceptMessage,
  type ControlMessage,
  type HeaderMap,
  type RemoteEndpoint,
  type RenewTokenMessage,
  type RequestMessage,
  type RequestRendezvousMessage,
  type ResponseMessage,
} from './protocol.js';
export {
  createRelayAudience,
  createRelayConnectUrl,
  createRelayHttpUrl,
  createRelayListenUrl,
  createRelayRejectUrl,
  relayAppUrl,
  stripRelayTrackingSuffix,
  type RelayUrlOptions,
} from './urls.js';
export { HybridConnectionListener, type HybridConnectionListenerOptions, type ListenerEvents, type ListenerStatus } from './listener.js';
export type { AcceptHandler, AcceptResult, RelayAcceptRequest, RelayConnection } from './listener-types.js';
export type { RelayEntityOptions, RelayRuntimeOptions, Timers } from './entity-config.js';
export type { RelayRequestHandler } from './http-bridge.js';
export { HybridConnectionClient, type HybridConnectionClientOptions, type CreateConnectionOptions } from './client.js';
