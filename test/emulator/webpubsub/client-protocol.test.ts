import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../../src/core/jwt.js';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { nodeHmac } from '../../../src/node/hmac.js';
import { clientUrl, connectRaw, isAck, JSON_PROTOCOL, RELIABLE_PROTOCOL } from './helpers.js';

let emulator: RunningWebPubSubEmulator;

beforeAll(async () => {
  emulator = await startWebPubSubEmulator({ port: 0, hubs: { open: { allowAnonymous: true } } });
});
afterAll(async () => {
  await emulator.close();
});

describe('client handshake', () => {
  it('sends system/connected with userId; reconnectionToken only on the reliable protocol', async () => {
    const plain = await connectRaw(await clientUrl(emulator, 'chat', { userId: 'alice' }), JSON_PROTOCOL);
    const connected = await plain.next((m) => m.type === 'system');
    expect(connected).toMatchObject({ type: 'system', event: 'connected', userId: 'alice' });
    expect(typeof connected.connectionId).toBe('string');
    expect(connected.reconnectionToken).toBeUndefined();
    expect(plain.ws.protocol).toBe(JSON_PROTOCOL);
    const reliable = await connectRaw(await clientUrl(emulator, 'chat'), RELIABLE_PROTOCOL);
    const reliableConnected = await reliable.next((m) => m.type === 'system');
    expect(typeof reliableConnected.reconnectionToken).toBe('string');
    expect(reliableConnected.userId).toBeNull();
    plain.ws.close();
    reliable.ws.close();
  });

  it('accepts /client/?hub= and the Authorization header', async () => {
    const url = new URL(await clientUrl(emulator, 'chat'));
    const token = url.searchParams.get('access_token')!;
    const viaQuery = await connectRaw(`ws://127.0.0.1:${emulator.port}/client/?hub=chat&access_token=${token}`, JSON_PROTOCOL);
    await viaQuery.next((m) => m.type === 'system');
    const { default: WebSocket } = await import('ws');
    const viaHeader = new WebSocket(`ws://127.0.0.1:${emulator.port}/client/hubs/chat`, [JSON_PROTOCOL], { headers: { authorization: `Bearer ${token}` } });
    await new Promise((resolve, reject) => {
      viaHeader.once('open', resolve);
      viaHeader.once('error', reject);
    });
    viaQuery.ws.close();
    viaHeader.close();
  });

  it.each([
    ['forged (wrong key)', async () => clientUrl(emulator, 'chat', { accessKey: 'not-the-emulator-key' })],
    ['expired', async () => `ws://127.0.0.1:${emulator.port}/client/hubs/chat?access_token=${await signJwt({ aud: `${emulator.endpoint}/client/hubs/chat`, exp: Math.floor(Date.now() / 1000) - 3600 }, emulator.accessKey, { hmac: nodeHmac })}`],
    ['for another hub', async () => (await clientUrl(emulator, 'other')).replace('/hubs/other', '/hubs/chat')],
    ['for another host', async () => `ws://127.0.0.1:${emulator.port}/client/hubs/chat?access_token=${await signJwt({ aud: 'https://elsewhere.webpubsub.azure.com/client/hubs/chat', exp: Math.floor(Date.now() / 1000) + 60 }, emulator.accessKey, { hmac: nodeHmac })}`],
    ['without exp', async () => `ws://127.0.0.1:${emulator.port}/client/hubs/chat?access_token=${await signJwt({ aud: `${emulator.endpoint}/client/hubs/chat` }, emulator.accessKey, { hmac: nodeHmac })}`],
    ['missing', async () => `ws://127.0.0.1:${emulator.port}/client/hubs/chat`],
    ['garbage', async () => `ws://127.0.0.1:${emulator.port}/client/hubs/chat?access_token=abc.def`],
  ])('rejects a %s token with HTTP 401', async (_name, makeUrl) => {
    await expect(connectRaw(await makeUrl(), JSON_PROTOCOL)).rejects.toMatchObject({ status: 401 });
  });

  it('lets anonymous clients into a hub with allowAnonymous, and only there', async () => {
    const anonymous = await connectRaw(`ws://127.0.0.1:${emulator.port}/client/hubs/Open`, JSON_PROTOCOL);
    expect(await anonymous.next((m) => m.type === 'system')).toMatchObject({ event: 'connected' });
    anonymous.ws.close();
    await expect(connectRaw(`ws://127.0.0.1:${emulator.port}/client/hubs/closed`, JSON_PROTOCOL)).rejects.toMatchObject({ status: 401 });
  });

  it('rejects an invalid hub name with 400', async () => {
    await expect(connectRaw(`ws://127.0.0.1:${emulator.port}/client/hubs/9bad`, JSON_PROTOCOL)).rejects.toMatchObject({ status: 400 });
  });
});

describe('client frames', () => {
  it('answers ping with pong', async () => {
    const client = await connectRaw(await clientUrl(emulator, 'chat'), JSON_PROTOCOL);
    client.send({ type: 'ping' });
    expect(await client.next((m) => m.type === 'pong')).toEqual({ type: 'pong' });
    client.ws.close();
  });

  it('enforces joinLeaveGroup and sendToGroup permissions with Forbidden acks', async () => {
    const client = await connectRaw(await clientUrl(emulator, 'perm', { roles: ['webpubsub.sendToGroup.allowed'] }), JSON_PROTOCOL);
    client.send({ type: 'joinGroup', group: 'g', ackId: 1 });
    expect(await client.next(isAck(1))).toMatchObject({ success: false, error: { name: 'Forbidden' } });
    client.send({ type: 'sendToGroup', group: 'other', ackId: 2, dataType: 'text', data: 'x' });
    expect(await client.next(isAck(2))).toMatchObject({ success: false, error: { name: 'Forbidden' } });
    client.send({ type: 'sendToGroup', group: 'allowed', ackId: 3, dataType: 'text', data: 'x' });
    expect(await client.next(isAck(3))).toEqual({ type: 'ack', ackId: 3, success: true });
    client.ws.close();
  });

  it('de-duplicates on ackId with a Duplicate ack and does not publish twice', async () => {
    const roles = ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'];
    const sender = await connectRaw(await clientUrl(emulator, 'dup', { roles }), JSON_PROTOCOL);
    const receiver = await connectRaw(await clientUrl(emulator, 'dup', { groups: ['room'] }), JSON_PROTOCOL);
    await receiver.next((m) => m.type === 'system');
    sender.send({ type: 'sendToGroup', group: 'room', ackId: 7, dataType: 'text', data: 'once' });
    expect(await sender.next(isAck(7))).toMatchObject({ success: true });
    sender.send({ type: 'sendToGroup', group: 'room', ackId: 7, dataType: 'text', data: 'once' });
    const acks = () => sender.messages.filter(isAck(7));
    await sender.next((m) => isAck(7)(m) && m.success === false);
    expect(acks()[1]).toMatchObject({ success: false, error: { name: 'Duplicate' } });
    sender.send({ type: 'ping' });
    await sender.next((m) => m.type === 'pong');
    await receiver.next((m) => m.type === 'message');
    expect(receiver.messages.filter((m) => m.type === 'message')).toHaveLength(1);
    sender.ws.close();
    receiver.ws.close();
  });

  it('remembers only successful ackIds: a Forbidden request may be retried with the same ackId', async () => {
    const client = await connectRaw(await clientUrl(emulator, 'retry'), JSON_PROTOCOL);
    const { connectionId } = await client.next((m) => m.type === 'system');
    client.send({ type: 'joinGroup', group: 'later', ackId: 5 });
    expect(await client.next(isAck(5))).toMatchObject({ success: false, error: { name: 'Forbidden' } });
    const url = `${emulator.endpoint}/api/hubs/retry/permissions/joinLeaveGroup/connections/${connectionId}?api-version=2024-12-01`;
    const token = await signJwt({ aud: url, exp: Math.floor(Date.now() / 1000) + 60 }, emulator.accessKey, { hmac: nodeHmac });
    expect((await fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    client.send({ type: 'joinGroup', group: 'later', ackId: 5 });
    await client.next((m) => isAck(5)(m) && m.success === true);
    client.send({ type: 'joinGroup', group: 'later', ackId: 5 });
    await client.next((m) => isAck(5)(m) && (m.error as { name?: string } | undefined)?.name === 'Duplicate');
    expect(client.messages.filter(isAck(5)).map((m) => (m.success ? 'ok' : (m.error as { name: string }).name))).toEqual(['Forbidden', 'ok', 'Duplicate']);
    client.ws.close();
  });

  it('delivers text, json and binary group messages with fromUserId, honouring noEcho', async () => {
    const roles = ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'];
    const alice = await connectRaw(await clientUrl(emulator, 'chat', { roles, userId: 'alice' }), JSON_PROTOCOL);
    const bob = await connectRaw(await clientUrl(emulator, 'chat', { roles, userId: 'bob' }), JSON_PROTOCOL);
    for (const [client, ackId] of [[alice, 1], [bob, 1]] as const) {
      client.send({ type: 'joinGroup', group: 'lobby', ackId });
      await client.next(isAck(ackId));
    }
    alice.send({ type: 'sendToGroup', group: 'lobby', dataType: 'text', data: 'hello', noEcho: true, ackId: 2 });
    alice.send({ type: 'sendToGroup', group: 'lobby', dataType: 'json', data: { n: 1 }, ackId: 3 });
    alice.send({ type: 'sendToGroup', group: 'lobby', dataType: 'binary', data: 'AAEC', ackId: 4 });
    await alice.next(isAck(4));
    await bob.next((m) => m.type === 'message' && m.dataType === 'binary');
    const bobGot = bob.messages.filter((m) => m.type === 'message');
    expect(bobGot).toEqual([
      { type: 'message', from: 'group', group: 'lobby', fromUserId: 'alice', dataType: 'text', data: 'hello' },
      { type: 'message', from: 'group', group: 'lobby', fromUserId: 'alice', dataType: 'json', data: { n: 1 } },
      { type: 'message', from: 'group', group: 'lobby', fromUserId: 'alice', dataType: 'binary', data: 'AAEC' },
    ]);
    await alice.next((m) => m.type === 'message' && m.dataType === 'binary');
    expect(alice.messages.filter((m) => m.type === 'message').map((m) => m.dataType)).toEqual(['json', 'binary']);
    alice.ws.close();
    bob.ws.close();
  });

  it('honours wildcard roles and the webpubsub.group claim', async () => {
    const client = await connectRaw(await clientUrl(emulator, 'wild', { roles: ['webpubsub.joinLeaveGroups.team.*'], groups: ['auto'] }), JSON_PROTOCOL);
    client.send({ type: 'joinGroup', group: 'team.red', ackId: 1 });
    client.send({ type: 'joinGroup', group: 'team.red.sub', ackId: 2 });
    expect(await client.next(isAck(1))).toMatchObject({ success: true });
    expect(await client.next(isAck(2))).toMatchObject({ success: false, error: { name: 'Forbidden' } });
    const other = await connectRaw(await clientUrl(emulator, 'wild', { roles: ['webpubsub.sendToGroup'] }), JSON_PROTOCOL);
    other.send({ type: 'sendToGroup', group: 'auto', dataType: 'text', data: 'to auto' });
    expect(await client.next((m) => m.type === 'message')).toMatchObject({ group: 'auto', data: 'to auto' });
    client.ws.close();
    other.ws.close();
  });

  it.each([
    ['not JSON', 'this is not json'],
    ['an unknown type', '{"type":"selfDestruct"}'],
    ['a bad dataType', '{"type":"sendToGroup","group":"g","dataType":"xml","data":"x"}'],
    ['bad base64', '{"type":"event","event":"e","dataType":"binary","data":"%%%"}'],
  ])('closes the connection with 1007 on %s and stays up for others', async (_name, frame) => {
    const client = await connectRaw(await clientUrl(emulator, 'bad'), RELIABLE_PROTOCOL);
    const { connectionId } = await client.next((m) => m.type === 'system');
    client.send(frame);
    expect(await client.closed).toMatchObject({ code: 1007 });
    expect(emulator.connectionIds('bad')).not.toContain(connectionId);
    const healthy = await connectRaw(await clientUrl(emulator, 'bad'), JSON_PROTOCOL);
    healthy.send({ type: 'ping' });
    await healthy.next((m) => m.type === 'pong');
    healthy.ws.close();
  });

  it('closes a JSON connection that sends a binary frame with 1003', async () => {
    const client = await connectRaw(await clientUrl(emulator, 'bad'), JSON_PROTOCOL);
    client.ws.send(Buffer.from('{"type":"ping"}'));
    expect(await client.closed).toMatchObject({ code: 1003 });
  });

  it('closes with 1009 when a frame exceeds 1 MB', async () => {
    const client = await connectRaw(await clientUrl(emulator, 'bad'), JSON_PROTOCOL);
    client.send({ type: 'event', event: 'big', dataType: 'text', data: 'x'.repeat(1024 * 1024 + 10) });
    expect(await client.closed).toMatchObject({ code: 1009 });
  });
});

describe('malformed HTTP', () => {
  const rawRequest = (head: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(emulator.port, '127.0.0.1', () => socket.write(head));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
  const upgrade = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

  it.each([
    ['a bad percent-encoding in a REST path', 'GET /api/hubs/%E0%A4%A/users/x?api-version=2024-12-01 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 400],
    ['a bad percent-encoding in a client path', `GET /client/hubs/%E0%A4%A HTTP/1.1\r\nHost: x\r\n${upgrade}\r\n`, 400],
    ['an unknown upgrade path', `GET /elsewhere HTTP/1.1\r\nHost: x\r\n${upgrade}\r\n`, 404],
    ['a plain GET on the client endpoint', 'GET /client/hubs/chat HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 426],
  ])('answers %s with a status and stays up', async (_name, head, status) => {
    expect(await rawRequest(head)).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    const client = await connectRaw(await clientUrl(emulator, 'chat'), JSON_PROTOCOL);
    client.send({ type: 'ping' });
    await client.next((m) => m.type === 'pong');
    client.ws.close();
  });
});

describe('simple WebSocket clients', () => {
  it('sendToGroup mode publishes raw frames; raw clients receive payloads without envelopes', async () => {
    const listener = await connectRaw(await clientUrl(emulator, 'raw', { groups: ['g'] }));
    const sender = await connectRaw(await clientUrl(emulator, 'raw', { roles: ['webpubsub.sendToGroup.g'], query: 'webpubsub_mode=sendToGroup&group=g' }));
    expect(listener.ws.protocol).toBe('');
    sender.ws.send('plain text');
    sender.ws.send(Buffer.from([1, 2, 3]));
    expect(await listener.nextFrame()).toBe('plain text');
    expect([...((await listener.nextFrame()) as Buffer)]).toEqual([1, 2, 3]);
    const jsonListener = await connectRaw(await clientUrl(emulator, 'raw', { groups: ['g'] }), JSON_PROTOCOL);
    sender.ws.send('to json');
    expect(await jsonListener.next((m) => m.type === 'message')).toMatchObject({ from: 'group', group: 'g', dataType: 'text', data: 'to json' });
    listener.ws.close();
    sender.ws.close();
    jsonListener.ws.close();
  });

  it('closes a raw sendEvent client whose message event has no handler', async () => {
    const client = await connectRaw(await clientUrl(emulator, 'raw'));
    client.ws.send('nobody listens');
    expect((await client.closed).code).toBe(1008);
  });
});
