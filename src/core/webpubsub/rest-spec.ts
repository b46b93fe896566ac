// The data-plane REST operations of Web PubSub, once (docs/protocol/webpubsub.md §3 table,
// api-version 2024-12-01): the service client builds its methods and requests from this table and
// the emulator routes and answers by it. Each is named as the client calls it: a method of
// WebPubSubServiceClient, or `group.` and a method of WebPubSubGroup (the REST API's own name is
// given where it differs). HEAD /api/health, the 25th operation, takes no hub and is not here.

export type RestMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/**
 * [method, path under `api/hubs/{hub}/` with `{name}` parameters, query parameters besides
 * api-version (space-separated), status of a success, body]. A HEAD answers 200 when the thing
 * exists and 404 when not. `message` bodies are JSON, text or bytes; `groups` bodies are
 * `{"groups": [...], "filter": "..."}`.
 */
export type RestOperation = readonly [method: RestMethod, path: string, query: string, status: number, body?: 'message' | 'groups'];

const SEND = 'excluded filter messageTtlSeconds';
const CLOSE = 'excluded reason';
const PERMISSION = 'permissions/{permission}/connections/{connectionId}';

export const REST_OPERATIONS = {
  // Sends are fire-and-forget: 202 even for a missing target.
  sendToAll: ['POST', ':send', SEND, 202, 'message'],
  // No `excluded` when sending to a user (docs/protocol/webpubsub.md §3 row 22).
  sendToUser: ['POST', 'users/{userId}/:send', 'filter messageTtlSeconds', 202, 'message'],
  sendToConnection: ['POST', 'connections/{connectionId}/:send', 'messageTtlSeconds', 202, 'message'],
  connectionExists: ['HEAD', 'connections/{connectionId}', '', 200],
  groupExists: ['HEAD', 'groups/{group}', '', 200],
  userExists: ['HEAD', 'users/{userId}', '', 200],
  closeConnection: ['DELETE', 'connections/{connectionId}', 'reason', 204],
  closeAllConnections: ['POST', ':closeConnections', CLOSE, 204],
  closeUserConnections: ['POST', 'users/{userId}/:closeConnections', CLOSE, 204],
  removeUserFromAllGroups: ['DELETE', 'users/{userId}/groups', '', 204],
  removeConnectionFromAllGroups: ['DELETE', 'connections/{connectionId}/groups', '', 204],
  // An empty filter selects every connection of the hub.
  addConnectionsToGroups: ['POST', ':addToGroups', '', 200, 'groups'],
  removeConnectionsFromGroups: ['POST', ':removeFromGroups', '', 200, 'groups'],
  // `targetName` is a group; omitted means every group.
  grantPermission: ['PUT', PERMISSION, 'targetName', 200],
  revokePermission: ['DELETE', PERMISSION, 'targetName', 204],
  hasPermission: ['HEAD', PERMISSION, 'targetName', 200], // REST: checkPermission
  getClientAccessToken: ['POST', ':generateToken', 'userId role minutesToExpire group clientType', 200], // REST: generateClientToken
  'group.addConnection': ['PUT', 'groups/{group}/connections/{connectionId}', '', 200], // REST: addConnectionToGroup
  'group.removeConnection': ['DELETE', 'groups/{group}/connections/{connectionId}', '', 204],
  'group.closeAllConnections': ['POST', 'groups/{group}/:closeConnections', CLOSE, 204],
  'group.sendToAll': ['POST', 'groups/{group}/:send', SEND, 202, 'message'], // REST: sendToGroup
  'group.listConnections': ['GET', 'groups/{group}/connections', 'maxpagesize top continuationToken', 200],
  // Adds the user's current connections only, not later ones.
  'group.addUser': ['PUT', 'users/{userId}/groups/{group}', '', 200], // REST: addUserToGroup
  'group.removeUser': ['DELETE', 'users/{userId}/groups/{group}', '', 204],
} as const satisfies Record<string, RestOperation>;

export type RestOperationName = keyof typeof REST_OPERATIONS;

/** The operation's path with its parameters filled in by `segment` (which encodes and checks them). */
export function restPath(hub: string, operation: RestOperation, segment: (name: string) => string): string {
  return `api/hubs/${encodeURIComponent(hub)}/${operation[1].replace(/{(\w+)}/g, (_, name: string) => segment(name))}`;
}
