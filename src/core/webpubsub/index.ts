export * from './client-token.js';
export * from './frames.js';
export { WEBPUBSUB_API_VERSION, WEBPUBSUB_ENTRA_SCOPE } from './rest.js';
export type { KeyCredentialLike, RestClientOptions, RetryOptions, WebPubSubCredential } from './rest.js';
export type { JSONTypes } from './operations.js';
export { WebPubSubGroup } from './group-client.js';
export type {
  GroupCloseAllConnectionsOptions,
  GroupListConnectionsOptions,
  GroupSendTextToAllOptions,
  GroupSendToAllOptions,
  OperationOptions,
  PagedMembers,
  WebPubSubGroupMember,
  WebPubSubGroupMemberPage,
} from './group-client.js';
export * from './service-client.js';
export { odata } from './odata.js';
export { CE_SYSTEM_EVENTS, computeEventSignature, decodeConnectionState, encodeConnectionState, verifyEventSignature } from './cloud-events.js';
export type { ClientProtocolKind, ConnectionContext } from './cloud-events.js';
export * from './event-handler.js';
export * from './negotiate.js';
