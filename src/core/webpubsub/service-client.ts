import { parseWebPubSubConnectionString } from '../connection-string.js';
import type { HmacSha256 } from '../crypto.js';
import { RealtimeError, describeValue } from '../errors.js';
import { HUB_NAME_PATTERN, clientPath, createClientTokenMinter, type ClientAccessToken, type ClientProtocol, type ClientTokenMinter } from './client-token.js';
import { WebPubSubGroup, callHub, segment, sendQuery, type OperationOptions } from './group-client.js';
import { WebPubSubRestClient, isEntraCredential, messageBody, type JSONTypes, type RestClientOptions, type RestRequest, type WebPubSubCredential } from './rest.js';

// Drop-in for @azure/web-pubsub's WebPubSubServiceClient (note §6): same constructors, method names
// and options, over `fetch` and a pluggable HMAC instead of core-rest-pipeline and jsonwebtoken.

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
  /** A group name; omitted means every group (note §3). */
  targetName?: string;
}
export interface GenerateClientTokenOptions extends OperationOptions {
  userId?: string;
  roles?: string[];
  groups?: string[];
  expirationTimeInMinutes?: number;
  clientProtocol?: ClientProtocol;
}
export type ClientTokenResponse = ClientAccessToken;
type BinaryMessage = ArrayBuffer | ArrayBufferView | Blob;

const PERMISSIONS: readonly string[] = ['joinLeaveGroup', 'sendToGroup'];
const CLIENT_TYPES: Record<ClientProtocol, string> = { default: 'Default', mqtt: 'MQTT', socketio: 'SocketIO' };

export class WebPubSubServiceClient {
  readonly hubName: string;
  readonly #rest: WebPubSubRestClient;
  #minter?: { key: string; mint: ClientTokenMinter };

  constructor(connectionString: string, hubName: string, options?: WebPubSubServiceClientOptions);
  constructor(endpoint: string, credential: WebPubSubCredential, hubName: string, options?: WebPubSubServiceClientOptions);
  constructor(endpointOrConnectionString: string, credentialOrHub: WebPubSubCredential | string, hubOrOptions?: string | WebPubSubServiceClientOptions, maybeOptions?: WebPubSubServiceClientOptions) {
    let endpoint = endpointOrConnectionString;
    let credential = credentialOrHub as WebPubSubCredential;
    let hubName = hubOrOptions;
    let options = maybeOptions ?? {};
    if (typeof credentialOrHub === 'string') {
      const parsed = parseWebPubSubConnectionString(endpointOrConnectionString);
      endpoint = parsed.endpoint;
      credential = { key: parsed.accessKey };
      hubName = credentialOrHub;
      options = (hubOrOptions as WebPubSubServiceClientOptions | undefined) ?? {};
    }
    if (typeof hubName !== 'string' || !HUB_NAME_PATTERN.test(hubName)) {
      throw new TypeError(`expected hub to match ${HUB_NAME_PATTERN}, got ${describeValue(hubName)}`);
    }
    this.hubName = hubName;
    this.#rest = new WebPubSubRestClient(endpoint, credential, { ...options, hmac: options.hmac ?? this.defaultHmac() });
  }

  /** Runtime entries override this to bind their fastest HMAC (src/node binds node:crypto). */
  protected defaultHmac(): HmacSha256 | undefined {
    return undefined;
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

  sendToAll(message: string, options: HubSendTextToAllOptions): Promise<void>;
  sendToAll(message: JSONTypes | BinaryMessage, options?: HubSendToAllOptions): Promise<void>;
  async sendToAll(message: unknown, options: HubSendToAllOptions & { contentType?: 'text/plain' } = {}): Promise<void> {
    await this.#call('sendToAll', 'POST', '/:send', options, { query: sendQuery(options), ...messageBody(message, options.contentType) });
  }

  sendToUser(userId: string, message: string, options: HubSendTextToUserOptions): Promise<void>;
  sendToUser(userId: string, message: JSONTypes | BinaryMessage, options?: HubSendToUserOptions): Promise<void>;
  async sendToUser(userId: string, message: unknown, options: HubSendToUserOptions & { contentType?: 'text/plain' } = {}): Promise<void> {
    // No `excluded` on this operation (note §3 row 22).
    const query = { filter: options.filter, messageTtlSeconds: options.messageTtlSeconds };
    await this.#call('sendToUser', 'POST', `/users${segment(userId, 'userId')}/:send`, options, { query, ...messageBody(message, options.contentType) });
  }

  sendToConnection(connectionId: string, message: string, options: HubSendTextToConnectionOptions): Promise<void>;
  sendToConnection(connectionId: string, message: JSONTypes | BinaryMessage, options?: HubSendToConnectionOptions): Promise<void>;
  async sendToConnection(connectionId: string, message: unknown, options: HubSendToConnectionOptions & { contentType?: 'text/plain' } = {}): Promise<void> {
    const query = { messageTtlSeconds: options.messageTtlSeconds };
    await this.#call('sendToConnection', 'POST', `/connections${segment(connectionId, 'connectionId')}/:send`, options, { query, ...messageBody(message, options.contentType) });
  }

  connectionExists(connectionId: string, options: OperationOptions = {}): Promise<boolean> {
    return this.#exists('connectionExists', `/connections${segment(connectionId, 'connectionId')}`, options);
  }

  groupExists(groupName: string, options: OperationOptions = {}): Promise<boolean> {
    return this.#exists('groupExists', `/groups${segment(groupName, 'group name')}`, options);
  }

  userExists(userId: string, options: OperationOptions = {}): Promise<boolean> {
    return this.#exists('userExists', `/users${segment(userId, 'userId')}`, options);
  }

  async closeConnection(connectionId: string, options: HubCloseConnectionOptions = {}): Promise<void> {
    await this.#call('closeConnection', 'DELETE', `/connections${segment(connectionId, 'connectionId')}`, options, { query: { reason: options.reason } });
  }

  async closeAllConnections(options: HubCloseAllConnectionsOptions = {}): Promise<void> {
    await this.#call('closeAllConnections', 'POST', '/:closeConnections', options, { query: { excluded: options.excludedConnections, reason: options.reason } });
  }

  async closeUserConnections(userId: string, options: HubCloseUserConnectionsOptions = {}): Promise<void> {
    const query = { excluded: options.excludedConnections, reason: options.reason };
    await this.#call('closeUserConnections', 'POST', `/users${segment(userId, 'userId')}/:closeConnections`, options, { query });
  }

  async removeUserFromAllGroups(userId: string, options: OperationOptions = {}): Promise<void> {
    await this.#call('removeUserFromAllGroups', 'DELETE', `/users${segment(userId, 'userId')}/groups`, options);
  }

  async removeConnectionFromAllGroups(connectionId: string, options: OperationOptions = {}): Promise<void> {
    await this.#call('removeConnectionFromAllGroups', 'DELETE', `/connections${segment(connectionId, 'connectionId')}/groups`, options);
  }

  /** An empty filter selects every connection of the hub (note §3). */
  async addConnectionsToGroups(groups: string[], filter: string, options: OperationOptions = {}): Promise<void> {
    await this.#call('addConnectionsToGroups', 'POST', '/:addToGroups', options, groupsBody(groups, filter));
  }

  async removeConnectionsFromGroups(groups: string[], filter: string, options: OperationOptions = {}): Promise<void> {
    await this.#call('removeConnectionsFromGroups', 'POST', '/:removeFromGroups', options, groupsBody(groups, filter));
  }

  async grantPermission(connectionId: string, permission: Permission, options: HubPermissionOptions = {}): Promise<void> {
    await this.#call('grantPermission', 'PUT', permissionPath(connectionId, permission), options, { query: { targetName: options.targetName } });
  }

  async revokePermission(connectionId: string, permission: Permission, options: HubPermissionOptions = {}): Promise<void> {
    await this.#call('revokePermission', 'DELETE', permissionPath(connectionId, permission), options, { query: { targetName: options.targetName } });
  }

  hasPermission(connectionId: string, permission: Permission, options: HubPermissionOptions = {}): Promise<boolean> {
    return this.#exists('hasPermission', permissionPath(connectionId, permission), options, { targetName: options.targetName });
  }

  /** Signed locally with the access key; with a TokenCredential the service mints it (REST generateToken). */
  getClientAccessToken(options: GenerateClientTokenOptions = {}): Promise<ClientTokenResponse> {
    const credential = this.#rest.credential;
    if (isEntraCredential(credential)) return this.#generateToken(options);
    try {
      // Re-created only when AzureKeyCredential.update() changed the key.
      if (this.#minter?.key !== credential.key) {
        this.#minter = { key: credential.key, mint: createClientTokenMinter({ endpoint: this.#rest.endpoint, hub: this.hubName, accessKey: credential.key, hmac: this.#rest.hmac }) };
      }
      return this.#minter.mint(options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #generateToken(options: GenerateClientTokenOptions): Promise<ClientTokenResponse> {
    const protocol = options.clientProtocol ?? 'default';
    const path = clientPath(this.hubName, protocol);
    const query = { userId: options.userId, role: options.roles, minutesToExpire: options.expirationTimeInMinutes, group: options.groups, clientType: CLIENT_TYPES[protocol] };
    const { token } = (await (await this.#call('getClientAccessToken', 'POST', '/:generateToken', options, { query })).json()) as { token?: unknown };
    if (typeof token !== 'string') throw new RealtimeError('protocol', 'Web PubSub generateToken answered without a token');
    const baseUrl = this.#rest.endpoint.replace(/^http(s?:\/\/)/i, 'ws$1') + path;
    return { token, baseUrl, url: `${baseUrl}?access_token=${token}` };
  }

  #call(operation: string, method: RestRequest['method'], path: string, options: OperationOptions, extra?: Partial<RestRequest>): Promise<Response> {
    return callHub(this.#rest, this.hubName, operation, method, path, options, extra);
  }

  async #exists(operation: string, path: string, options: OperationOptions, query?: RestRequest['query']): Promise<boolean> {
    const response = await this.#call(operation, 'HEAD', path, options, query ? { query, notFoundIsAnswer: true } : { notFoundIsAnswer: true });
    return response.status !== 404;
  }
}

function groupsBody(groups: string[], filter: string): Partial<RestRequest> {
  if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string' || g.length === 0)) {
    throw new TypeError(`expected groups to be an array of non-empty strings, got ${describeValue(groups)}`);
  }
  return { body: JSON.stringify(filter === undefined ? { groups } : { groups, filter }), contentType: 'application/json' };
}

function permissionPath(connectionId: string, permission: Permission): string {
  if (!PERMISSIONS.includes(permission)) throw new TypeError(`expected permission joinLeaveGroup or sendToGroup, got ${describeValue(permission)}`);
  return `/permissions/${permission}/connections${segment(connectionId, 'connectionId')}`;
}
