// The public Relay API of core, name by name (the classes in public-clients.ts).
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
  stripRelayTrackingSuffix,
  type RelayUrlOptions,
} from './urls.js';
export { createRelayRejectUrl, relayAppUrl } from './app-url.js';
// The classes through `export *`: esbuild counts a file it takes a name from as loaded, with every
// module that file names; so a page that imports only the classes would also load the codec above
// up front, though the listener needs it only once a channel is open (scripts/size.mjs).
export * from './public-clients.js';
