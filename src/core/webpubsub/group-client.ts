import { encodePathSegment, messageBody, type JSONTypes, type WebPubSubRestClient } from './rest.js';

// `client.group(name)`: the group half of the data plane (note §3 rows 12–16, 24–25), with the method
// names and options of @azure/web-pubsub's WebPubSubGroup.

export interface OperationOptions {
  abortSignal?: AbortSignal;
}

export interface GroupSendToAllOptions extends OperationOptions {
  excludedConnections?: string[];
  /** OData filter (note §3); build it with `odata` to escape values. */
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

export class WebPubSubGroup {
  readonly groupName: string;
  readonly hubName: string;
  readonly #rest: WebPubSubRestClient;
  readonly #base: string;

  constructor(rest: WebPubSubRestClient, hubName: string, groupName: string) {
    this.#rest = rest;
    this.hubName = hubName;
    this.groupName = groupName;
    this.#base = `/api/hubs/${encodePathSegment(hubName, 'hub')}/groups/${encodePathSegment(groupName, 'group name')}`;
  }

  get endpoint(): string {
    return this.#rest.endpoint;
  }

  get apiVersion(): string {
    return this.#rest.apiVersion;
  }

  async addConnection(connectionId: string, options: OperationOptions = {}): Promise<void> {
    const path = `${this.#base}/connections/${encodePathSegment(connectionId, 'connectionId')}`;
    await this.#rest.send({ operation: 'group.addConnection', method: 'PUT', path, expect: [200], ...signal(options) });
  }

  async removeConnection(connectionId: string, options: OperationOptions = {}): Promise<void> {
    const path = `${this.#base}/connections/${encodePathSegment(connectionId, 'connectionId')}`;
    await this.#rest.send({ operation: 'group.removeConnection', method: 'DELETE', path, expect: [200, 204], ...signal(options) });
  }

  async closeAllConnections(options: GroupCloseAllConnectionsOptions = {}): Promise<void> {
    const query = { excluded: options.excludedConnections, reason: options.reason };
    await this.#rest.send({ operation: 'group.closeAllConnections', method: 'POST', path: `${this.#base}/:closeConnections`, query, expect: [200, 204], ...signal(options) });
  }

  /** Adds the user's current connections only; later connections of the user are not added (note §3). */
  async addUser(userId: string, options: OperationOptions = {}): Promise<void> {
    const path = `/api/hubs/${encodePathSegment(this.hubName, 'hub')}/users/${encodePathSegment(userId, 'userId')}/groups/${encodePathSegment(this.groupName, 'group name')}`;
    await this.#rest.send({ operation: 'group.addUser', method: 'PUT', path, expect: [200], ...signal(options) });
  }

  async removeUser(userId: string, options: OperationOptions = {}): Promise<void> {
    const path = `/api/hubs/${encodePathSegment(this.hubName, 'hub')}/users/${encodePathSegment(userId, 'userId')}/groups/${encodePathSegment(this.groupName, 'group name')}`;
    await this.#rest.send({ operation: 'group.removeUser', method: 'DELETE', path, expect: [200, 204], ...signal(options) });
  }

  sendToAll(message: string, options: GroupSendTextToAllOptions): Promise<void>;
  sendToAll(message: JSONTypes | ArrayBuffer | ArrayBufferView | Blob, options?: GroupSendToAllOptions): Promise<void>;
  async sendToAll(message: unknown, options: GroupSendToAllOptions & { contentType?: 'text/plain' } = {}): Promise<void> {
    const { body, contentType } = messageBody(message, options.contentType);
    const query = { excluded: options.excludedConnections, filter: options.filter, messageTtlSeconds: options.messageTtlSeconds };
    await this.#rest.send({ operation: 'group.sendToAll', method: 'POST', path: `${this.#base}/:send`, query, body, contentType, expect: [202], ...signal(options) });
  }

  /** Resolves to a paged iterator, as @azure/web-pubsub 1.2 does (`for await (const m of await group.listConnections())`). */
  async listConnections(options: GroupListConnectionsOptions = {}): Promise<PagedMembers> {
    const pages = (settings: { continuationToken?: string; maxPageSize?: number } = {}) => this.#pages(options, settings);
    async function* members(): AsyncGenerator<WebPubSubGroupMember> {
      for await (const page of pages()) yield* page;
    }
    const iterator = members();
    const paged: PagedMembers = {
      next: () => iterator.next(),
      [Symbol.asyncIterator]: () => paged,
      byPage: (settings) => pages(settings),
    };
    return paged;
  }

  async *#pages(options: GroupListConnectionsOptions, settings: { continuationToken?: string; maxPageSize?: number }): AsyncGenerator<WebPubSubGroupMemberPage> {
    const request = { operation: 'group.listConnections', method: 'GET' as const, path: `${this.#base}/connections`, expect: [200], ...signal(options) };
    let url: string | undefined = settings.continuationToken
      ? this.#resolveNextLink(settings.continuationToken)
      : this.#rest.buildUrl(request.path, { maxpagesize: settings.maxPageSize ?? options.maxPageSize, top: options.top, continuationToken: options.continuationToken });
    while (url) {
      const response = await this.#rest.sendUrl(url, request);
      const body = (await response.json()) as { value?: WebPubSubGroupMember[]; nextLink?: string | null };
      const page: WebPubSubGroupMemberPage = (body.value ?? []).map((m) => (m.userId == null ? { connectionId: m.connectionId } : { connectionId: m.connectionId, userId: m.userId }));
      url = body.nextLink ? this.#resolveNextLink(body.nextLink) : undefined;
      if (body.nextLink) page.continuationToken = body.nextLink;
      yield page;
    }
  }

  // nextLink may be absolute or relative to the endpoint; it must keep the api-version.
  #resolveNextLink(link: string): string {
    const url = new URL(link, this.#rest.endpoint);
    if (url.origin !== new URL(this.#rest.endpoint).origin) throw new TypeError('expected a nextLink on the service endpoint, got another origin');
    if (!url.searchParams.has('api-version')) url.searchParams.set('api-version', this.#rest.apiVersion);
    return url.href;
  }
}

export function signal(options: OperationOptions): { abortSignal?: AbortSignal } {
  return options.abortSignal ? { abortSignal: options.abortSignal } : {};
}
