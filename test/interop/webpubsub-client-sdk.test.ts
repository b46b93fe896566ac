import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { WebPubSubClient, WebPubSubJsonProtocol, type OnGroupDataMessageArgs, type OnServerDataMessageArgs } from '@azure/web-pubsub-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../src/emulator/webpubsub/index.js';
import { connectRaw, JSON_PROTOCOL } from '../emulator/webpubsub/helpers.js';
import { until } from '../shared/until.js';

// The official browser/Node client (@azure/web-pubsub-client 1.0.4) against the emulator,
// with the official service SDK minting its URLs. Includes the recovery test from the brief.

let emulator: RunningWebPubSubEmulator;
let service: WebPubSubServiceClient;
const HUB = 'clientSdk';
const started: WebPubSubClient[] = [];

beforeAll(async () => {
  emulator = await startWebPubSubEmulator({ port: 0 });
  service = new WebPubSubServiceClient(emulator.connectionString, HUB, { allowInsecureConnection: true });
});
afterAll(async () => {
  for (const client of started) client.stop();
  await emulator.close();
});

async function startClient(options: { userId?: string; roles?: string[]; groups?: string[]; reliable?: boolean; noRetry?: boolean } = {}): Promise<{ client: WebPubSubClient; connectionId: string }> {
  const { url } = await service.getClientAccessToken(options);
  const client = new WebPubSubClient(url, {
    ...(options.reliable === false ? { protocol: WebPubSubJsonProtocol() } : {}),
    // The SDK retries every failed send (Forbidden included) 3 times, 1 s apart; not needed here.
    ...(options.noRetry ? { messageRetryOptions: { maxRetries: 0 } } : {}),
  });
  started.push(client);
  const connected = new Promise<string>((resolve) => client.on('connected', (e) => resolve(e.connectionId)));
  await client.start();
  return { client, connectionId: await connected };
}

describe('@azure/web-pubsub-client against the emulator', () => {
  it('connects, joins, sends and receives text, json and binary group messages; receives server messages', async () => {
    const roles = ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'];
    const { client: alice } = await startClient({ userId: 'alice', roles });
    const { client: bob, connectionId: bobId } = await startClient({ userId: 'bob', roles, reliable: false });
    const bobGot: OnGroupDataMessageArgs['message'][] = [];
    const serverGot: OnServerDataMessageArgs['message'][] = [];
    bob.on('group-message', (e) => bobGot.push(e.message));
    bob.on('server-message', (e) => serverGot.push(e.message));
    await alice.joinGroup('room');
    await bob.joinGroup('room');
    await alice.sendToGroup('room', 'hi bob', 'text');
    await alice.sendToGroup('room', { n: 1 }, 'json', { noEcho: true });
    await alice.sendToGroup('room', new Uint8Array([5, 6, 7]).buffer, 'binary');
    await service.sendToConnection(bobId, { from: 'server' });
    await until(() => bobGot.length === 3 && serverGot.length === 1);
    expect(bobGot.map((m) => [m.group, m.fromUserId, m.dataType])).toEqual([
      ['room', 'alice', 'text'],
      ['room', 'alice', 'json'],
      ['room', 'alice', 'binary'],
    ]);
    expect(bobGot[0]!.data).toBe('hi bob');
    expect(bobGot[1]!.data).toEqual({ n: 1 });
    expect([...new Uint8Array(bobGot[2]!.data as ArrayBuffer)]).toEqual([5, 6, 7]);
    expect(serverGot[0]).toMatchObject({ dataType: 'json', data: { from: 'server' } });
    await bob.leaveGroup('room');
    await alice.sendToGroup('room', 'after leave', 'text');
    await service.sendToConnection(bobId, 'marker', { contentType: 'text/plain' });
    await until(() => serverGot.length === 2);
    expect(bobGot).toHaveLength(3);
  });

  it('rejects a forbidden group send with the service error, and reports a duplicate ackId as isDuplicated', async () => {
    const { client } = await startClient({ roles: ['webpubsub.sendToGroup.allowed'], noRetry: true });
    await expect(client.sendToGroup('forbidden', 'x', 'text')).rejects.toMatchObject({ name: 'SendMessageError', errorDetail: { name: 'Forbidden' } });
    await expect(client.joinGroup('anything')).rejects.toMatchObject({ errorDetail: { name: 'Forbidden' } });
    expect(await client.sendToGroup('allowed', 'x', 'text', { ackId: 42 })).toMatchObject({ ackId: 42, isDuplicated: false });
    expect(await client.sendToGroup('allowed', 'x', 'text', { ackId: 42 })).toMatchObject({ ackId: 42, isDuplicated: true });
  });

  it('sendEvent without an upstream handler is acked', async () => {
    const { client } = await startClient();
    expect(await client.sendEvent('noop', { a: 1 }, 'json')).toMatchObject({ isDuplicated: false });
  });

  it('invokeEvent without an upstream handler fails with the service error instead of hanging', async () => {
    const { client } = await startClient({ noRetry: true });
    await expect(client.invokeEvent('nobody', 'x', 'text')).rejects.toMatchObject({ name: 'InvocationError', errorDetail: { name: 'NotFound' } });
  });

  it('after a service-side close, recovery is refused (1008) and the client reconnects as a new connection, rejoining its groups', async () => {
    const { client, connectionId } = await startClient({ roles: ['webpubsub.joinLeaveGroup'] });
    await client.joinGroup('sticky');
    const events: string[] = [];
    const reconnected = new Promise<string>((resolve) =>
      client.on('connected', (e) => {
        events.push('connected');
        resolve(e.connectionId);
      }),
    );
    client.on('disconnected', (e) => events.push(`disconnected:${e.message?.message ?? ''}`));
    await service.closeConnection(connectionId, { reason: 'maintenance' });
    const newId = await reconnected;
    expect(newId).not.toBe(connectionId);
    expect(events).toEqual(['disconnected:maintenance', 'connected']);
    // REST sends arrive as `from: server` messages, even to a group (note §4).
    const got: unknown[] = [];
    client.on('server-message', (e) => got.push(e.message.data));
    await until(() => emulator.connectionIds(HUB).includes(newId));
    await service.group('sticky').sendToAll('still here', { contentType: 'text/plain' });
    await until(() => got.length === 1);
    expect(got).toEqual(['still here']);
  });

  it('stop() ends the session: the connection disappears from the hub', async () => {
    const { client, connectionId } = await startClient();
    expect(await service.connectionExists(connectionId)).toBe(true);
    const stopped = new Promise((resolve) => client.on('stopped', resolve));
    client.stop();
    await stopped;
    await until(() => !emulator.connectionIds(HUB).includes(connectionId));
  });

  it('recovers through repeated socket drops while 1,000 messages flow: zero lost, zero duplicated', async () => {
    const { client: receiver, connectionId } = await startClient({ groups: ['flow'] });
    let connectedEvents = 0;
    let disconnectedEvents = 0;
    receiver.on('connected', () => connectedEvents++);
    receiver.on('disconnected', () => disconnectedEvents++);
    const seen: number[] = [];
    receiver.on('group-message', (e) => seen.push(e.message.data as number));
    const { url } = await service.getClientAccessToken({ roles: ['webpubsub.sendToGroup'] });
    const sender = await connectRaw(url, JSON_PROTOCOL);
    const TOTAL = 1000;
    let drops = 0;
    const startedAt = Date.now();
    for (let i = 1; i <= TOTAL; i++) {
      sender.send({ type: 'sendToGroup', group: 'flow', dataType: 'json', data: i });
      if (i % 100 === 50) {
        // Cut the receiver's socket while the frames just sent are still on their way through the
        // emulator: those reach a detached session and only a recovery re-send can deliver them.
        // dropConnection is false while the previous drop is still being recovered; wait for the socket.
        await until(() => emulator.dropConnection(HUB, connectionId));
        drops++;
      }
    }
    await until(() => seen.length >= TOTAL, 'every message', 15_000);
    const elapsedMs = Date.now() - startedAt;
    const unique = new Set(seen);
    expect(drops).toBe(10);
    expect(seen.length).toBe(TOTAL);
    expect(unique.size).toBe(TOTAL);
    expect(seen).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    // Recovery kept the same logical connection: no fresh connect, no disconnected event.
    expect(emulator.connectionIds(HUB)).toContain(connectionId);
    expect(connectedEvents).toBe(0);
    expect(disconnectedEvents).toBe(0);
    console.log(`webpubsub recovery: ${TOTAL} messages, ${drops} socket drops, ${elapsedMs} ms`);
    sender.ws.close();
  });
});
