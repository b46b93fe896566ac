import { defineOperations, pathSegment, type JSONTypes } from './operations.js';
import { REST_OPERATIONS, restPath } from './rest-spec.js';
import type { WebPubSubRestClient } from './rest-types.js';
import type { GroupCloseAllConnectionsOptions, GroupListConnectionsOptions, GroupSendTextToAllOptions, GroupSendToAllOptions, OperationOptions, PagedMembers } from './service-types.js';


// `client.group(name)`: the group half of the data plane (docs/protocol/webpubsub.md §3 rows 12–16, 24–25), with the method
// names and options of @azure/web-pubsub's WebPubSubGroup. All but listConnections come from the
// operations table (rest-spec.ts, operations.ts).

// The table-driven methods (rest-spec.ts, `group.*`), typed as @azure/web-pubsub 1.2 declares them.
export interface WebPubSubGroup {
  addConnection(connectionId: string, options?: OperationOptions): Promise<void>;
  removeConnection(connectionId: string, options?: OperationOptions): Promise<void>;
  closeAllConnections(options?: GroupCloseAllConnectionsOptions): Promise<void>;
  /** Adds the user's current connections only; later connections of the user are not added (docs/protocol/webpubsub.md §3). */
  addUser(userId: string, options?: OperationOptions): Promise<void>;
  removeUser(userId: string, options?: OperationOptions): Promise<void>;
  sendToAll(message: string, options: GroupSendTextToAllOptions): Promise<void>;
  sendToAll(message: JSONTypes | ArrayBuffer | ArrayBufferView | Blob, options?: GroupSendToAllOptions): Promise<void>;
}

export class WebPubSubGroup {
  readonly groupName: string;
  readonly hubName: string;
  readonly #rest: WebPubSubRestClient;

  static {
    defineOperations(this, 'group.', (group) => [group.#rest, group.hubName, { group: group.groupName }]);
  }

  constructor(rest: WebPubSubRestClient, hubName: string, groupName: string) {
    pathSegment(groupName, 'group');
    this.#rest = rest;
    this.hubName = hubName;
    this.groupName = groupName;
  }

  get endpoint(): string {
    return this.#rest.endpoint;
  }

  get apiVersion(): string {
    return this.#rest.apiVersion;
  }

  /**
   * Resolves to a paged iterator, as @azure/web-pubsub 1.2 does (`for await (const m of await group.listConnections())`).
   * The pager loads on first use (paging.ts), so apps that never list members do not ship it.
   */
  async listConnections(options: GroupListConnectionsOptions = {}): Promise<PagedMembers> {
    return (await import('./paging.js')).pageGroupMembers(this.#rest, restPath(this.hubName, REST_OPERATIONS['group.listConnections'], () => encodeURIComponent(this.groupName)), options);
  }
}
