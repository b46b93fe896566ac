import { encodePathSegment, messageBody, type JSONTypes, type QueryValue, type RestRequest, type WebPubSubRestClient } from './rest.js';

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

type Extra = Partial<Pick<RestRequest, 'query' | 'body' | 'contentType' | 'notFoundIsAnswer'>>;

/** One REST call relative to `/api/hubs/{hub}`; shared by the hub and group clients. */
export function callHub(rest: WebPubSubRestClient, hub: string, operation: string, method: RestRequest['method'], path: string, options: OperationOptions, extra: Extra = {}): Promise<Response> {
  const request: RestRequest = { operation, method, path: `/api/hubs/${encodePathSegment(hub, 'hub')}${path}`, ...extra };
  if (options.abortSignal) request.abortSignal = options.abortSignal;
  return rest.send(request);
}

export const segment = (value: string, what: string) => `/${encodePathSegment(value, what)}`;

export function sendQuery(options: { excludedConnections?: string[]; filter?: string; messageTtlSeconds?: number }): Record<string, QueryValue> {
  return { excluded: options.excludedConnections, filter: options.filter, messageTtlSeconds: options.messageTtlSeconds };
}

export class WebPubSubGroup {
  readonly groupName: string;
  readonly hubName: string;
  readonly #rest: WebPubSubRestClient;
  readonly #path: string;

  constructor(rest: WebPubSubRestClient, hubName: string, groupName: string) {
    this.#rest = rest;
    this.hubName = hubName;
    this.groupName = groupName;
    this.#path = `/groups${segment(groupName, 'group name')}`;
  }

  get endpoint(): string {
    return this.#rest.endpoint;
  }

  get apiVersion(): string {
    return this.#rest.apiVersion;
  }

  #call(operation: string, method: RestRequest['method'], path: string, options: OperationOptions, extra?: Extra): Promise<Response> {
    return callHub(this.#rest, this.hubName, `group.${operation}`, method, path, options, extra);
  }

  async addConnection(connectionId: string, options: OperationOptions = {}): Promise<void> {
    await this.#call('addConnection', 'PUT', `${this.#path}/connections${segment(connectionId, 'connectionId')}`, options);
  }

  async removeConnection(connectionId: string, options: OperationOptions = {}): Promise<void> {
    await this.#call('removeConnection', 'DELETE', `${this.#path}/connections${segment(connectionId, 'connectionId')}`, options);
  }

  async closeAllConnections(options: GroupCloseAllConnectionsOptions = {}): Promise<void> {
    await this.#call('closeAllConnections', 'POST', `${this.#path}/:closeConnections`, options, { query: { excluded: options.excludedConnections, reason: options.reason } });
  }

  /** Adds the user's current connections only; later connections of the user are not added (note §3). */
  async addUser(userId: string, options: OperationOptions = {}): Promise<void> {
    await this.#call('addUser', 'PUT', `/users${segment(userId, 'userId')}${this.#path}`, options);
  }

  async removeUser(userId: string, options: OperationOptions = {}): Promise<void> {
    await this.#call('removeUser', 'DELETE', `/users${segment(userId, 'userId')}${this.#path}`, options);
  }

  sendToAll(message: string, options: GroupSendTextToAllOptions): Promise<void>;
  sendToAll(message: JSONTypes | ArrayBuffer | ArrayBufferView | Blob, options?: GroupSendToAllOptions): Promise<void>;
  async sendToAll(message: unknown, options: GroupSendToAllOptions & { contentType?: 'text/plain' } = {}): Promise<void> {
    await this.#call('sendToAll', 'POST', `${this.#path}/:send`, options, { query: sendQuery(options), ...messageBody(message, options.contentType) });
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
    const rest = this.#rest;
    const request: RestRequest = { operation: 'group.listConnections', method: 'GET', path: `/api/hubs/${encodePathSegment(this.hubName, 'hub')}${this.#path}/connections` };
    if (options.abortSignal) request.abortSignal = options.abortSignal;
    // nextLink may be absolute or relative to the endpoint; it must stay on the endpoint and keep the api-version.
    const resolve = (link: string) => {
      const url = new URL(link, rest.endpoint);
      if (url.origin !== new URL(rest.endpoint).origin) throw new TypeError('expected a nextLink on the service endpoint, got another origin');
      if (!url.searchParams.has('api-version')) url.searchParams.set('api-version', rest.apiVersion);
      return url.href;
    };
    let url: string | undefined = settings.continuationToken
      ? resolve(settings.continuationToken)
      : rest.buildUrl(request.path, { maxpagesize: settings.maxPageSize ?? options.maxPageSize, top: options.top, continuationToken: options.continuationToken });
    while (url) {
      const body = (await (await rest.sendUrl(url, request)).json()) as { value?: WebPubSubGroupMember[]; nextLink?: string | null };
      const page: WebPubSubGroupMemberPage = (body.value ?? []).map((m) => (m.userId == null ? { connectionId: m.connectionId } : { connectionId: m.connectionId, userId: m.userId }));
      url = body.nextLink ? resolve(body.nextLink) : undefined;
      if (body.nextLink) page.continuationToken = body.nextLink;
      yield page;
    }
  }
}
