import { WebPubSubServiceClient, odata } from '@azure/web-pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../src/emulator/webpubsub/index.js';
import { clientUrl, connectRaw, isAck, JSON_PROTOCOL, type RawClient } from '../emulator/webpubsub/helpers.js';

// The official service SDK (@azure/web-pubsub) calls every method against the emulator; the
// resulting state is checked through real client sockets, not through emulator internals.

let emulator: RunningWebPubSubEmulator;
let service: WebPubSubServiceClient;
const HUB = 'sdkHub';

beforeAll(async () => {
  emulator = await startWebPubSubEmulator({ port: 0 });
  // core-rest-pipeline refuses plain http unless told (the emulator's default endpoint is http).
  service = new WebPubSubServiceClient(emulator.connectionString, HUB, { allowInsecureConnection: true });
});
afterAll(async () => {
  await emulator.close();
});

async function client(options: { userId?: string; groups?: string[]; roles?: string[] } = {}): Promise<RawClient & { id: string }> {
  const raw = await connectRaw(await clientUrl(emulator, HUB, options), JSON_PROTOCOL);
  const connected = await raw.next((m) => m.type === 'system');
  return Object.assign(raw, { id: connected.connectionId as string });
}

const received = (c: RawClient) => c.messages.filter((m) => m.type === 'message').map((m) => m.data);

/** A marker message through sendToConnection proves everything sent before it was (or was not) delivered. */
async function drain(c: RawClient & { id: string }, marker: string): Promise<unknown[]> {
  await service.sendToConnection(c.id, marker, { contentType: 'text/plain' });
  await c.next((m) => m.data === marker);
  return received(c).filter((d) => d !== marker);
}

describe('@azure/web-pubsub against the emulator', () => {
  it('getClientAccessToken mints a token the emulator accepts, with roles, groups and userId', async () => {
    const { url, baseUrl } = await service.getClientAccessToken({ userId: 'u-token', roles: ['webpubsub.sendToGroup'], groups: ['tg'] });
    expect(baseUrl).toBe(`ws://127.0.0.1:${emulator.port}/client/hubs/${HUB}`);
    const raw = await connectRaw(url, JSON_PROTOCOL);
    expect(await raw.next((m) => m.type === 'system')).toMatchObject({ userId: 'u-token' });
    raw.send({ type: 'sendToGroup', group: 'tg', dataType: 'text', data: 'me', ackId: 1 });
    expect(await raw.next(isAck(1))).toMatchObject({ success: true });
    expect(await raw.next((m) => m.type === 'message')).toMatchObject({ group: 'tg', data: 'me' });
    raw.ws.close();
  });

  it('sendToAll (json, text, binary, excluded, filter), sendToUser and sendToConnection', async () => {
    const a = await client({ userId: 'ann', groups: ['vip'] });
    const b = await client({ userId: 'ben' });
    await service.sendToAll({ hello: 'all' });
    await service.sendToAll('plain', { contentType: 'text/plain' });
    await service.sendToAll(new Uint8Array([1, 2]).buffer);
    await service.sendToAll('not-for-ann', { contentType: 'text/plain', excludedConnections: [a.id] });
    await service.sendToAll('vip-only', { contentType: 'text/plain', filter: odata`${'vip'} in groups` });
    await service.sendToUser('ben', 'to-ben', { contentType: 'text/plain' });
    await service.sendToUser('ann', 'ttl-ann', { contentType: 'text/plain', messageTtlSeconds: 60 });
    await service.sendToConnection(a.id, { direct: true });
    expect(await drain(a, 'end-a')).toEqual([{ hello: 'all' }, 'plain', 'AQI=', 'vip-only', 'ttl-ann', { direct: true }]);
    expect(await drain(b, 'end-b')).toEqual([{ hello: 'all' }, 'plain', 'AQI=', 'not-for-ann', 'to-ben']);
    expect(a.messages.find((m) => m.data === 'AQI=')).toMatchObject({ dataType: 'binary' });
    a.ws.close();
    b.ws.close();
  });

  it('connectionExists, userExists, groupExists report 200/404 as true/false', async () => {
    const c = await client({ userId: 'exists-user', groups: ['exists-group'] });
    expect(await service.connectionExists(c.id)).toBe(true);
    expect(await service.connectionExists('no-such-connection')).toBe(false);
    expect(await service.userExists('exists-user')).toBe(true);
    expect(await service.userExists('ghost')).toBe(false);
    expect(await service.groupExists('exists-group')).toBe(true);
    expect(await service.groupExists('empty-group')).toBe(false);
    c.ws.close();
  });

  it('group(): addConnection, addUser, sendToAll, listConnections, removeConnection, removeUser', async () => {
    const c1 = await client({ userId: 'g-user' });
    const c2 = await client({ userId: 'g-user' });
    const c3 = await client({ userId: 'other' });
    const group = service.group('team');
    await group.addConnection(c3.id);
    await group.addUser('g-user');
    const listed: Array<{ connectionId: string; userId?: string }> = [];
    for await (const member of await group.listConnections({ maxPageSize: 2 })) listed.push(member);
    expect(listed.map((m) => m.connectionId).sort()).toEqual([c1.id, c2.id, c3.id].sort());
    expect(listed.find((m) => m.connectionId === c3.id)?.userId).toBe('other');
    await group.sendToAll('team-1', { contentType: 'text/plain', excludedConnections: [c2.id] });
    await group.removeConnection(c3.id);
    await group.removeUser('g-user');
    await group.sendToAll('team-2', { contentType: 'text/plain' });
    expect(await drain(c1, 'e1')).toEqual(['team-1']);
    expect(await drain(c2, 'e2')).toEqual([]);
    expect(await drain(c3, 'e3')).toEqual(['team-1']);
    expect(await service.groupExists('team')).toBe(false);
    await expect(group.addUser('nobody-connected')).rejects.toMatchObject({ statusCode: 404 });
    for (const c of [c1, c2, c3]) c.ws.close();
  });

  it('addConnectionsToGroups / removeConnectionsFromGroups with an OData filter', async () => {
    const a = await client({ userId: 'fa' });
    const b = await client({ userId: 'fb' });
    await service.addConnectionsToGroups(['f1', 'f2'], odata`userId eq ${'fa'}`);
    await service.removeConnectionsFromGroups(['f2'], odata`connectionId eq ${a.id}`);
    expect(await service.groupExists('f1')).toBe(true);
    expect(await service.groupExists('f2')).toBe(false);
    await service.group('f1').sendToAll('f1-msg', { contentType: 'text/plain' });
    expect(await drain(a, 'ea')).toEqual(['f1-msg']);
    expect(await drain(b, 'eb')).toEqual([]);
    a.ws.close();
    b.ws.close();
  });

  it('removeConnectionFromAllGroups and removeUserFromAllGroups', async () => {
    const a = await client({ userId: 'ra', groups: ['r1', 'r2'] });
    const b = await client({ userId: 'rb', groups: ['r1'] });
    await service.removeConnectionFromAllGroups(a.id);
    await service.removeUserFromAllGroups('rb');
    expect(await service.groupExists('r1')).toBe(false);
    expect(await service.groupExists('r2')).toBe(false);
    a.ws.close();
    b.ws.close();
  });

  it('grantPermission / hasPermission / revokePermission change what client frames may do', async () => {
    const c = await client();
    expect(await service.hasPermission(c.id, 'sendToGroup', { targetName: 'p' })).toBe(false);
    await service.grantPermission(c.id, 'sendToGroup', { targetName: 'p' });
    expect(await service.hasPermission(c.id, 'sendToGroup', { targetName: 'p' })).toBe(true);
    c.send({ type: 'sendToGroup', group: 'p', dataType: 'text', data: 'x', ackId: 1 });
    expect(await c.next(isAck(1))).toMatchObject({ success: true });
    await service.revokePermission(c.id, 'sendToGroup', { targetName: 'p' });
    expect(await service.hasPermission(c.id, 'sendToGroup', { targetName: 'p' })).toBe(false);
    c.send({ type: 'sendToGroup', group: 'p', dataType: 'text', data: 'x', ackId: 2 });
    expect(await c.next(isAck(2))).toMatchObject({ success: false, error: { name: 'Forbidden' } });
    await service.grantPermission(c.id, 'joinLeaveGroup');
    expect(await service.hasPermission(c.id, 'joinLeaveGroup')).toBe(true);
    c.send({ type: 'joinGroup', group: 'any', ackId: 3 });
    expect(await c.next(isAck(3))).toMatchObject({ success: true });
    c.ws.close();
  });

  it('closeConnection, closeUserConnections, group closeAllConnections and closeAllConnections', async () => {
    const one = await client({ userId: 'c1' });
    const user1 = await client({ userId: 'cu' });
    const user2 = await client({ userId: 'cu' });
    const grouped = await client({ groups: ['cg'] });
    const keep = await client({ userId: 'keep' });
    const rest = await client({ userId: 'rest' });
    await service.closeConnection(one.id, { reason: 'single' });
    expect(await one.next((m) => m.event === 'disconnected')).toMatchObject({ message: 'single' });
    await service.closeUserConnections('cu', { reason: 'user' });
    await Promise.all([user1.closed, user2.closed]);
    await service.group('cg').closeAllConnections({ reason: 'group' });
    await grouped.closed;
    expect(await service.connectionExists(keep.id)).toBe(true);
    // The public options type omits `excluded`, but the generated operation forwards options.excluded.
    await service.closeAllConnections({ reason: 'all', excluded: [keep.id] } as Parameters<typeof service.closeAllConnections>[0]);
    await rest.closed;
    expect(await service.connectionExists(rest.id)).toBe(false);
    expect(await service.connectionExists(keep.id)).toBe(true);
    keep.ws.close();
  });
});
