import { connect } from 'node:net';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import type { RunningRelayEmulator } from '../../../src/emulator/relay/index.js';
import { httpBase, rawListener, startEmulator, token } from './helpers.js';

// With autoCreateHybridConnections (the default) every authorized listener on a new path made an
// entity that stayed for good: one client opening listeners on 4,000 new 4 KB paths grew the
// process by 70 MB, without bound. An auto-created entity is now forgotten once idle.

let relay: RunningRelayEmulator;
beforeAll(async () => {
  relay = await startEmulator();
});
afterAll(() => relay.close());

const entityNames = () => relay.inspect().snapshot().namespaces[0]!.hybridConnections.map((hc) => hc.name);

test('an auto-created entity is forgotten once its last listener is gone', async () => {
  for (let i = 0; i < 20; i++) {
    const listener = await rawListener(relay, `drive-by-${i}`);
    listener.socket.close();
  }
  await vi.waitFor(() => expect(entityNames().filter((name) => name.startsWith('drive-by-'))).toEqual([]), { timeout: 5000 });
});

test('a listener whose upgrade never completes leaves no entity behind', async () => {
  const path = 'half-open';
  const socket = connect(relay.port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `GET /$hc/${path}?sb-hc-action=listen HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nServiceBusAuthorization: ${await token({ path })}\r\n\r\n`,
  );
  socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
  await vi.waitFor(() => expect(entityNames()).not.toContain(path), { timeout: 5000 });
});

test('while one of its listeners stays, the entity stays and senders reach it', async () => {
  const first = await rawListener(relay, 'shared-path');
  const second = await rawListener(relay, 'shared-path');
  first.socket.close();
  await vi.waitFor(() => expect(relay.inspect().snapshot().namespaces[0]!.hybridConnections.find((hc) => hc.name === 'shared-path')?.listenerCount).toBe(1));
  // The remaining listener is the one a request goes to.
  const answered = fetch(`${httpBase(relay)}/shared-path`, { headers: { ServiceBusAuthorization: await token({ path: 'shared-path' }) } });
  const request = (await second.frames.nextJson()) as { request: { id: string } };
  expect(request.request.id).toBeTruthy();
  second.socket.close();
  expect((await answered).status).toBeGreaterThanOrEqual(400);
});
