import { WebPubSubJsonProtocol, type OnDisconnectedArgs, type OnGroupDataMessageArgs, type OnServerDataMessageArgs, type WebPubSubClient } from '@azure/web-pubsub-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RealtimeError } from '../../../src/core/index.js';
import { WebPubSubServiceClient } from '../../../src/core/webpubsub/index.js';
import { createWebPubSubClient } from '../../../src/core/webpubsub/client.js';
import { until } from '../until.js';

// Our service client against the emulator (started by the global setup), in Node and in Chromium.
// The peers are official @azure/web-pubsub-client clients built by our client helper; every
// observation is what an official client received, or the emulator's REST answers.

const connectionString = inject('emulator').webpubsub?.connectionString as string;
const started: WebPubSubClient[] = [];
let hubCounter = 0;
const newHub = () => `ours${Date.now().toString(36)}x${++hubCounter}`;

afterAll(() => {
  for (const client of started) client.stop();
});

// A browser page reaches the emulator's REST API cross-origin, so the emulator must answer the CORS
// preflight (Authorization header). Fail every test at once with the reason instead of after retries.
let corsProblem: string | undefined;
beforeAll(async () => {
  if (typeof document === 'undefined') return;
  const endpoint = /Endpoint=([^;]+)/.exec(connectionString)![1]!.replace(/\/$/, '');
  try {
    await fetch(`${endpoint}/api/hubs/probe/users/u?api-version=2024-12-01`, { method: 'HEAD', headers: { authorization: 'Bearer x' } });
  } catch {
    corsProblem = `the emulator at ${endpoint} does not answer the CORS preflight for its REST API, so a browser cannot call it (needs Access-Control-Allow-Origin/-Headers/-Methods on OPTIONS and responses)`;
  }
});
function requireCors(): void {
  if (corsProblem) throw new Error(corsProblem);
}

interface Peer {
  client: WebPubSubClient;
  connectionId: string;
  server: OnServerDataMessageArgs['message'][];
  group: OnGroupDataMessageArgs['message'][];
  disconnected: OnDisconnectedArgs[];
}

async function connect(service: WebPubSubServiceClient, options: { userId?: string; roles?: string[]; groups?: string[] } = {}): Promise<Peer> {
  requireCors();
  // autoReconnect off: a closed connection must stay closed for the close tests.
  const client = createWebPubSubClient({ getClientAccessUrl: () => service.getClientAccessToken(options) }, { protocol: WebPubSubJsonProtocol(), autoReconnect: false, messageRetryOptions: { maxRetries: 0 } });
  started.push(client);
  const peer: Peer = { client, connectionId: '', server: [], group: [], disconnected: [] };
  client.on('server-message', (e) => peer.server.push(e.message));
  client.on('group-message', (e) => peer.group.push(e.message));
  client.on('disconnected', (e) => peer.disconnected.push(e));
  const connected = new Promise<string>((resolve) => client.on('connected', (e) => resolve(e.connectionId)));
  await client.start();
  peer.connectionId = await connected;
  return peer;
}

const bytes = (data: unknown) => Array.from(new Uint8Array(data as ArrayBuffer));

describe('WebPubSubServiceClient against the emulator', () => {
  it('mints tokens the emulator accepts, and sees the connection and user', async () => {
    const service = new WebPubSubServiceClient(connectionString, newHub());
    const alice = await connect(service, { userId: 'alice' });
    expect(alice.connectionId).toMatch(/\S/);
    expect(await service.connectionExists(alice.connectionId)).toBe(true);
    expect(await service.userExists('alice')).toBe(true);
    expect(await service.userExists('nobody')).toBe(false);
    expect(await service.connectionExists('no-such-connection')).toBe(false);
  });

  it('sends JSON, text and binary to all, to a user and to a connection; honours excluded and filter', async () => {
    const service = new WebPubSubServiceClient(connectionString, newHub());
    const alice = await connect(service, { userId: 'alice' });
    const bob = await connect(service, { userId: 'bob' });
    await service.sendToAll({ hello: 'all' });
    await service.sendToAll('text to all', { contentType: 'text/plain' });
    await service.sendToAll(new Uint8Array([1, 2, 3]));
    await service.sendToAll('not bob', { contentType: 'text/plain', excludedConnections: [bob.connectionId] });
    await service.sendToAll('only bob', { contentType: 'text/plain', filter: "userId eq 'bob'" });
    await service.sendToUser('alice', { to: 'alice' });
    await service.sendToConnection(bob.connectionId, 'to bob', { contentType: 'text/plain', messageTtlSeconds: 30 });
    await until(() => alice.server.length === 5 && bob.server.length === 5, 'five server messages each');
    const view = (messages: Peer['server']) => messages.map((m) => (m.dataType === 'binary' ? ['binary', bytes(m.data)] : [m.dataType, m.data]));
    expect(view(alice.server)).toEqual([['json', { hello: 'all' }], ['text', 'text to all'], ['binary', [1, 2, 3]], ['text', 'not bob'], ['json', { to: 'alice' }]]);
    expect(view(bob.server)).toEqual([['json', { hello: 'all' }], ['text', 'text to all'], ['binary', [1, 2, 3]], ['text', 'only bob'], ['text', 'to bob']]);
  });

  it('manages groups: connections, users, filters, listing, and sends to a group', async () => {
    const service = new WebPubSubServiceClient(connectionString, newHub());
    const alice = await connect(service, { userId: 'alice' });
    const bob = await connect(service, { userId: 'bob' });
    const room = service.group('room');
    expect(await service.groupExists('room')).toBe(false);
    await room.addConnection(alice.connectionId);
    await room.addUser('bob');
    expect(await service.groupExists('room')).toBe(true);
    const members = [];
    for await (const member of await room.listConnections({ maxPageSize: 1 })) members.push(member);
    expect(members.map((m) => m.userId).sort()).toEqual(['alice', 'bob']);
    // REST sends to a group reach JSON clients as `from: "server"` messages (note §4).
    await room.sendToAll({ n: 1 }, { excludedConnections: [alice.connectionId] });
    await room.removeUser('bob');
    await room.sendToAll('after bob left', { contentType: 'text/plain' });
    await until(() => alice.server.length === 1 && bob.server.length === 1, 'one group message each');
    expect(alice.server.map((m) => m.data)).toEqual(['after bob left']);
    expect(bob.server.map((m) => m.data)).toEqual([{ n: 1 }]);

    await service.addConnectionsToGroups(['a', 'b'], "userId eq 'bob'");
    expect(await service.groupExists('a')).toBe(true);
    await service.removeConnectionsFromGroups(['a'], '');
    expect(await service.groupExists('a')).toBe(false);
    await service.removeUserFromAllGroups('bob');
    expect(await service.groupExists('b')).toBe(false);
    await service.removeConnectionFromAllGroups(alice.connectionId);
    expect(await service.groupExists('room')).toBe(false);
    await room.addConnection(bob.connectionId);
    await room.removeConnection(bob.connectionId);
    expect(await service.groupExists('room')).toBe(false);
  });

  it('grants, checks and revokes permissions that the client then uses', async () => {
    const service = new WebPubSubServiceClient(connectionString, newHub());
    const alice = await connect(service, { userId: 'alice' });
    expect(await service.hasPermission(alice.connectionId, 'joinLeaveGroup', { targetName: 'room' })).toBe(false);
    await service.grantPermission(alice.connectionId, 'joinLeaveGroup', { targetName: 'room' });
    expect(await service.hasPermission(alice.connectionId, 'joinLeaveGroup', { targetName: 'room' })).toBe(true);
    await alice.client.joinGroup('room');
    expect(await service.groupExists('room')).toBe(true);
    await service.revokePermission(alice.connectionId, 'joinLeaveGroup', { targetName: 'room' });
    expect(await service.hasPermission(alice.connectionId, 'joinLeaveGroup', { targetName: 'room' })).toBe(false);
    await expect(alice.client.joinGroup('room')).rejects.toThrow();
  });

  it('closes a connection, a user, a group and the hub', async () => {
    const service = new WebPubSubServiceClient(connectionString, newHub());
    const peers = await Promise.all(['a', 'b', 'c', 'd'].map((userId) => connect(service, { userId })));
    const [a, b, c, d] = peers as [Peer, Peer, Peer, Peer];
    await service.closeConnection(a.connectionId, { reason: 'bye a' });
    await until(() => a.disconnected.length === 1, 'a disconnected');
    expect(JSON.stringify(a.disconnected)).toContain("bye a");
    expect(await service.connectionExists(a.connectionId)).toBe(false);
    await service.closeUserConnections('b', { reason: 'bye b' });
    await until(() => b.disconnected.length === 1, 'b disconnected');
    await service.group('g').addConnection(c.connectionId);
    await service.group('g').closeAllConnections({ reason: 'bye g' });
    await until(() => c.disconnected.length === 1, 'c disconnected');
    expect(await service.connectionExists(d.connectionId)).toBe(true);
    await service.closeAllConnections({ reason: 'bye all' });
    await until(() => d.disconnected.length === 1, 'd disconnected');
    expect(await service.userExists('d')).toBe(false);
  });

  it('reports the emulator errors as typed RealtimeErrors', async () => {
    requireCors();
    const service = new WebPubSubServiceClient(connectionString, newHub());
    const missing = await service.group('g').addConnection('no-such-connection').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RealtimeError);
    expect(missing).toMatchObject({ code: 'not_found', status: 404 });
    const wrongKey = new WebPubSubServiceClient(connectionString.replace(/AccessKey=[^;]+/, 'AccessKey=not-the-key'), 'chat');
    const denied = await wrongKey.sendToAll({}).catch((e: unknown) => e);
    expect(denied).toMatchObject({ code: 'unauthorized', status: 401 });
    expect((denied as Error).message).not.toContain('not-the-key');
  });
});
