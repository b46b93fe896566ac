import type { ClientProtocol } from './client-token.js';

// Option and result types of the service and group clients (docs/protocol/webpubsub.md §3, named as in
// @azure/web-pubsub 1.2). Types only: the clients, the pager and the Entra module share them
// without importing each other.

export interface OperationOptions {
  abortSignal?: AbortSignal;
}

export interface GroupSendToAllOptions extends OperationOptions {
  excludedConnections?: string[];
  /** OData filter (docs/protocol/webpubsub.md §3); build it with `odata` to escape values. */
  filter?: string;
  /** 0–300; the service drops the message for connections that cannot take it in time. */
  messageTtlSeconds?: number;
}

export interface GroupSendTextToAllOptions extends GroupSendToAllOptions {
  contentType: 'text/plain';
}

export interface GroupCloseAllConnectionsOptions extends OperationOptions {
  reason?: string;
  excludedConnections?: string[];
}

export interface GroupListConnectionsOptions extends OperationOptions {
  maxPageSize?: number;
  top?: number;
  continuationToken?: string;
}

export interface WebPubSubGroupMember {
  connectionId: string;
  userId?: string;
}

/** A page carries the nextLink to resume from, as @azure/core-paging sets it. */
export type WebPubSubGroupMemberPage = WebPubSubGroupMember[] & { continuationToken?: string };

/** The shape of @azure/core-paging's PagedAsyncIterableIterator. */
export interface PagedMembers extends AsyncIterableIterator<WebPubSubGroupMember> {
  byPage(settings?: { continuationToken?: string; maxPageSize?: number }): AsyncIterableIterator<WebPubSubGroupMemberPage>;
}

export interface GenerateClientTokenOptions extends OperationOptions {
  userId?: string;
  roles?: string[];
  groups?: string[];
  expirationTimeInMinutes?: number;
  clientProtocol?: ClientProtocol;
}
