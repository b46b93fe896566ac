import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../../src/emulator/webpubsub/index.js';
import { until } from '../../shared/until.js';
import { clientUrl, connectRaw, RELIABLE_PROTOCOL, type RawClient } from './helpers.js';

let emulator: RunningWebPubSubEmulator;

// The default recovery window (30 s): the recovery tests reconnect within it however slow the
// machine is. The window's end is tested on an emulator of its own with a short one.
beforeAll(async () => {
  emulator = await startWebPubSubEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
});

const roles = ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'];

async function pair(hub: string, on = emulator): Promise<{ sender: RawClient; receiver: RawClient; url: string; connectionId: string; reconnectionToken: string }> {
  const url = await clientUrl(on, hub, { roles, groups: ['g'] });
  const receiver = await connectRaw(url, RELIABLE_PROTOCOL);
  const connected = await receiver.next((m) => m.type === 'system');
  const sender = await connectRaw(await clientUrl(on, hub, { roles }), RELIABLE_PROTOCOL);
  return { sender, receiver, url, connectionId: connected.connectionId as string, reconnectionToken: connected.reconnectionToken as string };
}

const dataMessages = (client: RawClient) => client.messages.filter((m) => m.type === 'message');

describe('reliable protocol', () => {
  it('numbers data messages from 1 per connection; acks and pongs carry no sequenceId', async () => {
    const { sender, receiver } = await pair('seq');
    for (let i = 0; i < 3; i++) sender.send({ type: 'sendToGroup', group: 'g', dataType: 'text', data: `m${i}` });
    sender.send({ type: 'ping' });
    await receiver.next((m) => m.data === 'm2');
    expect(dataMessages(receiver).map((m) => m.sequenceId)).toEqual([1, 2, 3]);
    const pong = await sender.next((m) => m.type === 'pong');
    expect(pong.sequenceId).toBeUndefined();
    sender.ws.close();
    receiver.ws.close();
  });

  it('recovers a dropped session: same connection id, fresh connected, unacked messages re-sent in order', async () => {
    const { sender, receiver, url, connectionId, reconnectionToken } = await pair('recover');
    for (let i = 1; i <= 4; i++) sender.send({ type: 'sendToGroup', group: 'g', dataType: 'json', data: i });
    await receiver.next((m) => m.data === 4);
    receiver.send({ type: 'sequenceAck', sequenceId: 2 });
    receiver.send({ type: 'ping' });
    await receiver.next((m) => m.type === 'pong');
    expect(emulator.dropConnection('recover', connectionId)).toBe(true);
    expect((await receiver.closed).code).toBe(1006);
    // Sent while the client is away: buffered for the session.
    sender.send({ type: 'sendToGroup', group: 'g', dataType: 'json', data: 5 });
    sender.send({ type: 'ping' });
    await sender.next((m) => m.type === 'pong');
    const recoveryUrl = `${url}&awps_connection_id=${encodeURIComponent(connectionId)}&awps_reconnection_token=${encodeURIComponent(reconnectionToken)}`;
    const resumed = await connectRaw(recoveryUrl, RELIABLE_PROTOCOL);
    await resumed.next((m) => m.data === 5);
    expect(resumed.messages[0]).toMatchObject({ type: 'system', event: 'connected', connectionId });
    expect(dataMessages(resumed).map((m) => [m.sequenceId, m.data])).toEqual([[3, 3], [4, 4], [5, 5]]);
    expect(emulator.connectionIds('recover')).toContain(connectionId);
    sender.ws.close();
    resumed.ws.close();
  });

  it('refuses recovery with a wrong token, an unknown connection or another subprotocol with close code 1008', async () => {
    const { sender, receiver, url, connectionId, reconnectionToken } = await pair('refuse');
    emulator.dropConnection('refuse', connectionId);
    await receiver.closed;
    const wrongToken = await connectRaw(`${url}&awps_connection_id=${connectionId}&awps_reconnection_token=nope`, RELIABLE_PROTOCOL);
    expect((await wrongToken.closed).code).toBe(1008);
    const unknown = await connectRaw(`${url}&awps_connection_id=doesnotexist&awps_reconnection_token=nope`, RELIABLE_PROTOCOL);
    expect((await unknown.closed).code).toBe(1008);
    const otherProtocol = await connectRaw(`${url}&awps_connection_id=${connectionId}&awps_reconnection_token=${encodeURIComponent(reconnectionToken)}`, 'protobuf.reliable.webpubsub.azure.v1');
    expect((await otherProtocol.closed).code).toBe(1008);
    const rightOne = await connectRaw(`${url}&awps_connection_id=${connectionId}&awps_reconnection_token=${encodeURIComponent(reconnectionToken)}`, RELIABLE_PROTOCOL);
    expect(await rightOne.next((m) => m.type === 'system')).toMatchObject({ connectionId });
    rightOne.ws.close();
    sender.ws.close();
  });

  it('forgets the session after the recovery window and then refuses recovery', async () => {
    const short = await startWebPubSubEmulator({ port: 0, recoveryWindowMs: 300 });
    try {
      const { sender, receiver, url, connectionId, reconnectionToken } = await pair('expire', short);
      short.dropConnection('expire', connectionId);
      // The window starts when the emulator sees the socket close, so the session is still here.
      expect(short.connectionIds('expire')).toContain(connectionId);
      await receiver.closed;
      await until(() => !short.connectionIds('expire').includes(connectionId), 'the session is forgotten after the window');
      const late = await connectRaw(`${url}&awps_connection_id=${connectionId}&awps_reconnection_token=${reconnectionToken}`, RELIABLE_PROTOCOL);
      expect((await late.closed).code).toBe(1008);
      sender.ws.close();
    } finally {
      await short.close();
    }
  });

  it('ends the session when a client closes cleanly (no recovery after a close frame)', async () => {
    const { sender, receiver, connectionId } = await pair('clean');
    receiver.ws.close(1000);
    await receiver.closed;
    sender.send({ type: 'ping' });
    await sender.next((m) => m.type === 'pong');
    expect(emulator.connectionIds('clean')).not.toContain(connectionId);
    sender.ws.close();
  });

  it('closes with 1008 when more than 1000 messages stay unacked', async () => {
    const { sender, receiver } = await pair('overflow');
    for (let i = 1; i <= 1001; i++) sender.send({ type: 'sendToGroup', group: 'g', dataType: 'json', data: i });
    expect(await receiver.closed).toMatchObject({ code: 1008 });
    expect(dataMessages(receiver)).toHaveLength(1000);
    sender.ws.close();
  });
});
