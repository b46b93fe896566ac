import { parseWebPubSubConnectionString } from '../connection-string.js';
import type { HmacSha256 } from '../crypto.js';
import { RealtimeError, describeValue } from '../errors.js';
import { HUB_NAME_PATTERN, clientPath, createClientTokenMinter, type ClientAccessToken, type ClientProtocol, type ClientTokenMinter } from './client-token.js';
import { WebPubSubGroup, signal, type OperationOptions } from './group-client.js';
import {
  WebPubSubRestClient,
  encodePathSegment,
  isTokenCredential,
  messageBody,
  type JSONTypes,
  type RestClientOptions,
  type WebPubSubCredential,
} from './rest.js';

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
  readonly #hubPath: string;
  #minter?: { key: string; mint: ClientTokenMinter };

  constructor(connectionString: string, hubName: string, options?: WebPubSubServiceClientOptions);
  constructor(endpoint: string, credential: WebPubSubCredential, hubName: string, options?: WebPubSubServiceClientOptions);
  constructor(endpointOrConnectionString: string, credentialOrHub: WebPubSubCredential | string, hubOrOptions?: string | WebPubSubServiceClientOptions, maybeOptions?: WebPubSubServiceClientOptions) {
    let endpoint: string;
    let credential: WebPubSubCredential;
    let hubName: unknown;
    let options: WebPubSubServiceClientOptions;
    if (typeof credentialOrHub === 'string') {
      const parsed = parseWebPubSubConnectionString(endpointOrConnectionString);
      endpoint = parsed.endpoint;
      credential = { key: parsed.accessKey };
      hubName = credentialOrHub;
      options = (hubOrOptions as WebPubSubServiceClientOptions | undefined) ?? {};
    } else {
      endpoint = endpointOrConnectionString;
      credential = credentialOrHub;
      hubName = hubOrOptions;
      options = maybeOptions ?? {};
    }
    if (typeof hubName !== 'string' || !HUB_NAME_PATTERN.test(hubName)) {
      throw new TypeError(`expected hub to match ${HUB_NAME_PATTERN}, got ${describeValue(hubName)}`);
    }
    this.hubName = hubName;
    this.#rest = new WebPubSubRestClient(endpoint, credential, { ...options, hmac: options.hmac ?? this.defaultHmac() });
    this.#hubPath = `/api/hubs/${encodePathSegment(hubName, 'hub')}`;
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
    const query = { excluded: options.excludedConnections, filter: options.filter, messageTtlSeconds: options.messageTtlSeconds };
    await this.#send('sendToAll', `${this.#hubPath}/:send`, message, options, query);
  }

  sendToUser(userId: string, message: string, options: HubSendTextToUserOptions): Promise<void>;
  sendToUser(userId: string, message: JSONTypes | BinaryMessage, options?: HubSendToUserOptions): Promise<void>;
  async sendToUser(userId: string, message: unknown, options: HubSendToUserOptions & { contentType?: 'text/plain' } = {}): Promise<void> {
    const path = `${this.#hubPath}/users/${encodePathSegment(userId, 'userId')}/:send`;
    await this.#send('sendToUser', path, message, options, { filter: options.filter, messageTtlSeconds: options.messageTtlSeconds });
  }

  sendToConnection(connectionId: string, message: string, options: HubSendTextToConnectionOptions): Promise<void>;
  sendToConnection(connectionId: string, message: JSONTypes | BinaryMessage, options?: HubSendToConnectionOptions): Promise<void>;
  async sendToConnection(connectionId: string, message: unknown, options: HubSendToConnectionOptions & { contentType?: 'text/plain' } = {}): Promise<void> {
    const path = `${this.#hubPath}/connections/${encodePathSegment(connectionId, 'connectionId')}/:send`;
    await this.#send('sendToConnection', path, message, options, { messageTtlSeconds: options.messageTtlSeconds });
  }

  connectionExists(connectionId: string, options: OperationOptions = {}): Promise<boolean> {
    return this.#exists('connectionExists', `${this.#hubPath}/connections/${encodePathSegment(connectionId, 'connectionId')}`, options);
  }

  groupExists(groupName: string, options: OperationOptions = {}): Promise<boolean> {
    return this.#exists('groupExists', `${this.#hubPath}/groups/${encodePathSegment(groupName, 'group name')}`, options);
  }

  userExists(userId: string, options: OperationOptions = {}): Promise<boolean> {
    return this.#exists('userExists', `${this.#hubPath}/users/${encodePathSegment(userId, 'userId')}`, options);
  }

  async closeConnection(connectionId: string, options: HubCloseConnectionOptions = {}): Promise<void> {
    const path = `${this.#hubPath}/connections/${encodePathSegment(connectionId, 'connectionId')}`;
    await this.#rest.send({ operation: 'closeConnection', method: 'DELETE', path, query: { reason: options.reason }, expect: [200, 204], ...signal(options) });
  }

  async closeAllConnections(options: HubCloseAllConnectionsOptions = {}): Promise<void> {
    const query = { excluded: options.excludedConnections, reason: options.reason };
    await this.#rest.send({ operation: 'closeAllConnections', method: 'POST', path: `${this.#hubPath}/:closeConnections`, query, expect: [200, 204], ...signal(options) });
  }

  async closeUserConnections(userId: string, options: HubCloseUserConnectionsOptions = {}): Promise<void> {
    const path = `${this.#hubPath}/users/${encodePathSegment(userId, 'userId')}/:closeConnections`;
    const query = { excluded: options.excludedConnections, reason: options.reason };
    await this.#rest.send({ operation: 'closeUserConnections', method: 'POST', path, query, expect: [200, 204], ...signal(options) });
  }

  async removeUserFromAllGroups(userId: string, options: OperationOptions = {}): Promise<void> {
    const path = `${this.#hubPath}/users/${encodePathSegment(userId, 'userId')}/groups`;
    await this.#rest.send({ operation: 'removeUserFromAllGroups', method: 'DELETE', path, expect: [200, 204], ...signal(options) });
  }

  async removeConnectionFromAllGroups(connectionId: string, options: OperationOptions = {}): Promise<void> {
    const path = `${this.#hubPath}/connections/${encodePathSegment(connectionId, 'connectionId')}/groups`;
    await this.#rest.send({ operation: 'removeConnectionFromAllGroups', method: 'DELETE', path, expect: [200, 204], ...signal(options) });
  }

  /** An empty filter selects every connection of the hub (note §3). */
  async addConnectionsToGroups(groups: string[], filter: string, options: OperationOptions = {}): Promise<void> {
    await this.#groupsByFilter('addConnectionsToGroups', ':addToGroups', groups, filter, options);
  }

  async removeConnectionsFromGroups(groups: string[], filter: string, options: OperationOptions = {}): Promise<void> {
    await this.#groupsByFilter('removeConnectionsFromGroups', ':removeFromGroups', groups, filter, options);
  }

  async grantPermission(connectionId: string, permission: Permission, options: HubPermissionOptions = {}): Promise<void> {
    const path = this.#permissionPath(connectionId, permission);
    await this.#rest.send({ operation: 'grantPermission', method: 'PUT', path, query: { targetName: options.targetName }, expect: [200], ...signal(options) });
  }

  async revokePermission(connectionId: string, permission: Permission, options: HubPermissionOptions = {}): Promise<void> {
    const path = this.#permissionPath(connectionId, permission);
    await this.#rest.send({ operation: 'revokePermission', method: 'DELETE', path, query: { targetName: options.targetName }, expect: [200, 204], ...signal(options) });
  }

  async hasPermission(connectionId: string, permission: Permission, options: HubPermissionOptions = {}): Promise<boolean> {
    const path = this.#permissionPath(connectionId, permission);
    const response = await this.#rest.send({ operation: 'hasPermission', method: 'HEAD', path, query: { targetName: options.targetName }, expect: [200, 404], ...signal(options) });
    return response.status === 200;
  }

  /** Signed locally with the access key; with a TokenCredential the service mints it (REST generateToken). */
  getClientAccessToken(options: GenerateClientTokenOptions = {}): Promise<ClientTokenResponse> {
    const credential = this.#rest.credential;
    if (isTokenCredential(credential)) return this.#generateToken(options);
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
    const response = await this.#rest.send({
      operation: 'getClientAccessToken',
      method: 'POST',
      path: `${this.#hubPath}/:generateToken`,
      query: { userId: options.userId, role: options.roles, minutesToExpire: options.expirationTimeInMinutes, group: options.groups, clientType: CLIENT_TYPES[protocol] },
      expect: [200],
      ...signal(options),
    });
    const { token } = (await response.json()) as { token?: unknown };
    if (typeof token !== 'string') throw new RealtimeError('protocol', 'Web PubSub generateToken answered without a token');
    const baseUrl = this.#rest.endpoint.replace(/^http(s?:\/\/)/i, 'ws$1') + path;
    return { token, baseUrl, url: `${baseUrl}?access_token=${token}` };
  }

  async #send(operation: string, path: string, message: unknown, options: OperationOptions & { contentType?: string }, query: Record<string, string[] | string | number | undefined>): Promise<void> {
    const { body, contentType } = messageBody(message, options.contentType);
    await this.#rest.send({ operation, method: 'POST', path, query, body, contentType, expect: [202], ...signal(options) });
  }

  async #exists(operation: string, path: string, options: OperationOptions): Promise<boolean> {
    const response = await this.#rest.send({ operation, method: 'HEAD', path, expect: [200, 404], ...signal(options) });
    return response.status === 200;
  }

  async #groupsByFilter(operation: string, action: string, groups: string[], filter: string, options: OperationOptions): Promise<void> {
    if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string' || g.length === 0)) {
      throw new TypeError(`expected groups to be an array of non-empty strings, got ${describeValue(groups)}`);
    }
    const body = JSON.stringify(filter === undefined ? { groups } : { groups, filter });
    await this.#rest.send({ operation, method: 'POST', path: `${this.#hubPath}/${action}`, body, contentType: 'application/json', expect: [200], ...signal(options) });
  }

  #permissionPath(connectionId: string, permission: Permission): string {
    if (!PERMISSIONS.includes(permission)) throw new TypeError(`expected permission joinLeaveGroup or sendToGroup, got ${describeValue(permission)}`);
    return `${this.#hubPath}/permissions/${permission}/connections/${encodePathSegment(connectionId, 'connectionId')}`;
  }
}
