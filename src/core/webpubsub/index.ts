// The public Web PubSub API of core, name by name.
export {
  HUB_NAME_PATTERN,
  createClientTokenMinter,
  mintClientAccessToken,
  type ClientAccessToken,
  type ClientAccessTokenOptions,
  type ClientProtocol,
  type ClientTokenMinter,
  type MintClientTokenInput,
} from './client-token.js';
export {
  DATA_TYPES,
  JSON_RELIABLE_SUBPROTOCOL,
  JSON_SUBPROTOCOL,
  PROTOBUF_RELIABLE_SUBPROTOCOL,
  PROTOBUF_SUBPROTOCOL,
  bodyToPayload,
  decodeDownstream,
  decodeDownstreamProtobuf,
  decodeUpstream,
  decodeUpstreamProtobuf,
  encodeDownstream,
  encodeDownstreamProtobuf,
  encodeUpstream,
  encodeUpstreamProtobuf,
  isReliableSubprotocol,
  payloadToBody,
  type MessagePayload,
  type WebPubSubDataType,
} from './frames.js';
export type * from './frames-types.js';
export { WEBPUBSUB_MAX_MESSAGE_BYTES } from './limits.js';
export { WEBPUBSUB_API_VERSION, WEBPUBSUB_ENTRA_SCOPE } from './rest.js';
export type { KeyCredentialLike, RestClientOptions, RetryOptions, WebPubSubCredential } from './rest-types.js';
export type { JSONTypes } from './operations.js';
export { WebPubSubGroup } from './group-client.js';
export type {
  GenerateClientTokenOptions,
  GroupCloseAllConnectionsOptions,
  GroupListConnectionsOptions,
  GroupSendTextToAllOptions,
  GroupSendToAllOptions,
  OperationOptions,
  PagedMembers,
  WebPubSubGroupMember,
  WebPubSubGroupMemberPage,
} from './service-types.js';
export type {
  ClientTokenResponse,
  HubCloseAllConnectionsOptions,
  HubCloseConnectionOptions,
  HubCloseUserConnectionsOptions,
  HubPermissionOptions,
  HubSendTextToAllOptions,
  HubSendTextToConnectionOptions,
  HubSendTextToUserOptions,
  HubSendToAllOptions,
  HubSendToConnectionOptions,
  HubSendToUserOptions,
  Permission,
  WebPubSubServiceClientOptions,
} from './service-client.js';
export { WebPubSubServiceClient } from './service-client.js';
export { odata } from './odata.js';
export { CE_SYSTEM_EVENTS, computeEventSignature, decodeConnectionState, encodeConnectionState, verifyEventSignature } from './cloud-events.js';
export type { ClientProtocolKind, ConnectionContext } from './cloud-events.js';
export {
  createWebPubSubEventHandler,
  type ConnectRequest,
  type ConnectResponse,
  type ConnectedRequest,
  type DisconnectedRequest,
  type FetchHandler,
  type UserEventRequest,
  type UserEventResponse,
  type WebPubSubEventHandlerOptions,
} from './event-handler.js';
export {
  clientAccessUrlProvider,
  createNegotiateHandler,
  negotiateClientAccessUrl,
  type ClientAccessUrlProvider,
  type NegotiateOptions,
  type NegotiateResponseBody,
  type WebPubSubClientSource,
} from './negotiate.js';
