import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, describe, expect, test } from 'vitest';
import { ConnectionGuard, guardHttpServer } from '../../../src/emulator/host/connection-guard.js';
import { startRelayEmulator } from '../../../src/emulator/relay/server.js';
import { startWebPubSubEmulator } from '../../../src/emulator/webpubsub/server.js';
import { until } from '../../shared/until.js';

// Issue 10 #10: every port has a connection cap and a deadline for an unfinished request or
// upgrade; a connection that finished its handshake is left alone.

interface Probe {
  closed: Promise<void>;
  answer(): string;
  write(bytes: string): void;
  destroy(): void;
}

function probe(port: number, bytes?: string): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('connect', () => {
      if (bytes) socket.write(bytes);
      resolve({ closed, answer: () => answer, write: (more) => socket.write(more), destroy: () => socket.destroy() });
    });
    socket.once('error', reject);
  });
}

const PARTIAL_REQUEST = 'GET /api/health HTTP/1.1\r\nHost: x\r\n';
const PARTIAL_UPGRADE = 'GET /client/hubs/chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n';

/** An http server behind its own guard; closed after the file. */
const servers: Array<ReturnType<typeof createServer>> = [];
afterAll(() => Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))));
async function guardedServer(options: ConstructorParameters<typeof ConnectionGuard>[0]): Promise<{ guard: ConnectionGuard; port: number }> {
  const server = createServer((_request, response) => response.end('ok'));
  const guard = new ConnectionGuard(options);
  guardHttpServer(server, guard);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { guard, port: (server.address() as AddressInfo).port };
}

describe('guardHttpServer', () => {
  test('a request whose headers never complete is closed at the deadline; a completed one is not', async () => {
    // A deadline long next to a loopback request, so a loaded machine serves `complete` in time.
    const { port } = await guardedServer({ handshakeTimeoutMs: 1000 });
    const complete = await probe(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    // Admitted after `complete`, so its deadline comes later: once it is closed, `complete`'s has passed.
    const stalled = await probe(port, PARTIAL_REQUEST);
    await stalled.closed;
    // Keep-alive: a second request on `complete` is answered past the deadline, because its handshake finished.
    complete.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => complete.answer().split('HTTP/1.1 200').length === 3, 'two answers on the kept-alive connection');
    complete.destroy();
    await complete.closed;
  });

  test('past the cap a connection is closed on arrival', async () => {
    // The default deadline: nothing here may be closed by it while the test runs.
    const { guard, port } = await guardedServer({ maxConnections: 2 });
    const first = await probe(port);
    const second = await probe(port);
    const third = await probe(port);
    await third.closed;
    expect(guard.openConnections).toBe(2);
    first.destroy();
    second.destroy();
    await Promise.all([first.closed, second.closed]);
  });

  test('options are checked', () => {
    expect(() => new ConnectionGuard({ maxConnections: 0 })).toThrow(RangeError);
    expect(() => new ConnectionGuard({ handshakeTimeoutMs: Number.NaN })).toThrow(RangeError);
  });
});

describe('wired into the Relay and Web PubSub emulators', () => {
  test('Relay: a partial upgrade and a silent socket are closed at the deadline; the cap holds', async () => {
    const relay = await startRelayEmulator({ handshakeTimeoutMs: 300, maxConnections: 3, rendezvousPort: 'same' });
    try {
      const silent = await probe(relay.port);
      const partial = await probe(relay.port, PARTIAL_UPGRADE.replace('/client/hubs/chat', '/$hc/x'));
      const third = await probe(relay.port);
      const fourth = await probe(relay.port);
      await fourth.closed;
      await Promise.all([silent.closed, partial.closed]);
      third.destroy();
    } finally {
      await relay.close();
    }
  });

  test('Web PubSub: a partial upgrade and a partial REST request are closed at the deadline; the cap holds', async () => {
    const webpubsub = await startWebPubSubEmulator({ limits: { handshakeTimeoutMs: 300, maxConnections: 3 } });
    try {
      const upgrade = await probe(webpubsub.port, PARTIAL_UPGRADE);
      const request = await probe(webpubsub.port, PARTIAL_REQUEST);
      const third = await probe(webpubsub.port);
      const fourth = await probe(webpubsub.port);
      await fourth.closed;
      await Promise.all([upgrade.closed, request.closed]);
      third.destroy();
    } finally {
      await webpubsub.close();
    }
  });
});
