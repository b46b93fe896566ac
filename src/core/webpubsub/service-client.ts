import { parseWebPubSubConnectionString } from '../connection-string.js';
import { describeValue } from '../errors.js';
import { isTokenCredential } from '../token-provider.js';
import { HUB_NAME_PATTERN, clientPath, clientTokenMinter, type ClientAccessToken, type ClientTokenMinter } from './client-token.js';
import { WebPubSubGroup } from './group-client.js';
import { defineOperations, type JSONTypes } from './operations.js';
import { REST_OPERATIONS, restPath } from './rest-spec.js';
import { createRestClient } from './rest.js';
import { webPubSubError } from './service-error.js';
import type { RestClientOptions, WebPubSubCredential, WebPubSubRestClient } from './rest-types.js';
import type { GenerateClientTokenOptions, OperationOptions } from './service-types.js';

export type { GenerateClientTokenOptions } from './service-types.js';

// Drop-in for @azure/web-pubsub's WebPubSubServiceClient (docs/protocol/webpubsub.md §6): same constructors, method names
// and options, over `fetch` and a pluggable HMAC instead of core-rest-pipeline and jsonwebtoken.
// The REST methods come from the operations table (rest-spec.ts, operations.ts); their signatures are below.

export type WebPubSubServiceClientOptions = RestClientOptions;

export interface HubSendToAllOptions extends OperationOptions {
  excludedConnections?: string[];
  filter?: string;
  messageTtlSeconds?: number;
}
export interface HubSendTextToAllOptions extends HubSendToAllOptions {
  contentType: 'text/plain';
}
export interface HubSendToUserOptions extends OperationOptions {
  filter?: string;
  messageTtlSeconds?: number;
}
export interface HubSendTextToUserOptions extends HubSendToUserOptions {
  contentType: 'text/plain';
}
export interface HubSendToConnectionOptions extends OperationOptions {
  messageTtlSeconds?: number;
}
export interface HubSendTextToConnectionOptions extends HubSendToConnectionOptions {
  contentType: 'text/plain';
}
export interface HubCloseConnectionOptions extends OperationOptions {
  reason?: string;
}
export interface HubCloseAllConnectionsOptions extends OperationOptions {
  reason?: string;
  excludedConnections?: string[];
}
export type HubCloseUserConnectionsOptions = HubCloseAllConnectionsOptions;
export type Permission = 'joinLeaveGroup' | 'sendToGroup';
export interface HubPermissionOptions extends OperationOptions {
  /** A group name; omitted means every group (docs/protocol/webpubsub.md §3). */
  targetName?: string;
}
export type ClientTokenResponse = ClientAccessToken;
type BinaryMessage = ArrayBuffer | ArrayBufferView | Blob;

// The table-driven methods (rest-spec.ts), typed as @azure/web-pubsub 1.2 declares them.
export interface WebPubSubServiceClient {
  sendToAll(message: string, options: HubSendTextToAllOptions): Promise<void>;
  sendToAll(message: JSONTypes | BinaryMessage, options?: HubSendToAllOptions): Promise<void>;
  sendToUser(userId: string, message: string, options: HubSendTextToUserOptions): Promise<void>;
  sendToUser(userId: string, message: JSONTypes | BinaryMessage, options?: HubSendToUserOptions): Promise<void>;
  sendToConnection(connectionId: string, message: string, options: HubSendTextToConnectionOptions): Promise<void>;
  sendToConnection(connectionId: string, message: JSONTypes | BinaryMessage, options?: HubSendToConnectionOptions): Promise<void>;
  connectionExists(connectionId: string, options?: OperationOptions): Promise<boolean>;
  groupExists(groupName: string, options?: OperationOptions): Promise<boolean>;
  userExists(userId: string, options?: OperationOptions): Promise<boolean>;
  closeConnection(connectionId: string, options?: HubCloseConnectionOptions): Promise<void>;
  closeAllConnections(options?: HubCloseAllConnectionsOptions): Promise<void>;
  closeUserConnections(userId: string, options?: HubCloseUserConnectionsOptions): Promise<void>;
  removeUserFromAllGroups(userId: string, options?: OperationOptions): Promise<void>;
  removeConnectionFromAllGroups(connectionId: string, options?: OperationOptions): Promise<void>;
  /** An empty filter selects every connection of the hub (docs/protocol/webpubsub.md §3). */
  addConnectionsToGroups(groups: string[], filter: string, options?: OperationOptions): Promise<void>;
  removeConnectionsFromGroups(groups: string[], filter: string, options?: OperationOptions): Promise<void>;
  grantPermission(connectionId: string, permission: Permission, options?: HubPermissionOptions): Promise<void>;
  revokePermission(connectionId: string, permission: Permission, options?: HubPermissionOptions): Promise<void>;
  hasPermission(connectionId: string, permission: Permission, options?: HubPermissionOptions): Promise<boolean>;
}

export class WebPubSubServiceClient {
  readonly hubName: string;
  readonly #rest: WebPubSubRestClient;
  #minter?: [key: string, mint: ClientTokenMinter];

  static {
    defineOperations(this, '', (client) => [client.#rest, client.hubName, {}]);
  }

  constructor(connectionString: string, hubName: string, options?: WebPubSubServiceClientOptions);
  constructor(endpoint: string, credential: WebPubSubCredential, hubName: string, options?: WebPubSubServiceClientOptions);
  constructor(endpointOrConnectionString: string, credentialOrHub: WebPubSubCredential | string, hubOrOptions?: string | WebPubSubServiceClientOptions, maybeOptions?: WebPubSubServiceClientOptions) {
    let endpoint = endpointOrConnectionString;
    let credential = credentialOrHub as WebPubSubCredential;
    let hubName = hubOrOptions;
    let options = maybeOptions;
    if (typeof credentialOrHub === 'string') {
      const parsed = parseWebPubSubConnectionString(endpointOrConnectionString);
      endpoint = parsed.endpoint;
      credential = { key: parsed.accessKey };
      hubName = credentialOrHub;
      options = hubOrOptions as WebPubSubServiceClientOptions | undefined;
    }
    if (typeof hubName !== 'string' || !HUB_NAME_PATTERN.test(hubName)) throw new TypeError(`expected hub to match ${HUB_NAME_PATTERN}, got ${describeValue(hubName)}`);
    this.hubName = hubName;
    this.#rest = createRestClient(endpoint, credential, options);
  }

  get endpoint(): string {
    return this.#rest.endpoint;
  }

  get apiVersion(): string {
    return this.#rest.apiVersion;
  }

  group(groupName: string): WebPubSubGroup {
    return new WebPubSubGroup(this.#rest, this.hubName, groupName);
  }

  /** Signed locally with the access key; with a TokenCredential the service mints it (REST generateToken, entra.ts). */
  // Not `async`: the key path hands back the minter's promise without another await (the hot path).
  getClientAccessToken(options: GenerateClientTokenOptions = {}): Promise<ClientTokenResponse> {
    const rest = this.#rest;
    const credential = rest.credential;
    const hub = this.hubName;
    if (isTokenCredential(credential)) {
      return import('./entra.js')
        .then((entra) => entra.generateClientToken(rest, restPath(hub, REST_OPERATIONS.getClientAccessToken, () => ''), clientPath(hub, options.clientProtocol), options))
        .then((token) => token ?? Promise.reject(webPubSubError('protocol', 'generateToken answered without a token')));
    }
    // Re-created only when AzureKeyCredential.update() changed the key.
    if (this.#minter?.[0] !== credential.key) this.#minter = [credential.key, clientTokenMinter(rest.endpoint, hub, credential.key, rest.hmac, rest.now)];
    return this.#minter[1](options);
  }
}
