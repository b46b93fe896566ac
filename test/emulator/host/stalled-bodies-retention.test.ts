import { Agent, createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { StalledBodyWatch } from '../../../src/emulator/host/stalled-bodies.js';

// The stalled-body watch sees every request of a port. It used to hold each one until its next
// sweep (up to a second), so a busy port kept a second of requests and responses alive and the
// garbage collector paid for them; a request that arrived whole now leaves the watch in the same
// turn of the event loop, and only an unfinished one stays.

let server: Server | undefined;
let watch: StalledBodyWatch | undefined;
afterEach(async () => {
  watch?.stop();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function start(): Promise<number> {
  watch = new StalledBodyWatch(60_000, () => undefined, 'test');
  const w = watch;
  server = createServer((req, res) => {
    w.watch(req, res);
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

test('requests that arrived whole are not held by the watch after their turn', async () => {
  const port = await start();
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  await Promise.all(
    Array.from({ length: 40 }, () =>
      new Promise<void>((resolve, reject) => {
        const req = request({ agent, host: '127.0.0.1', port, method: 'POST', headers: { 'content-length': 5 } }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end('hello');
      }),
    ),
  );
  await nextTurn();
  expect(watch!.watching).toBe(0);
  agent.destroy();
});

test('a request whose body is still coming stays watched', async () => {
  const port = await start();
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part');
  for (let i = 0; i < 50 && watch!.watching === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await nextTurn();
  expect(watch!.watching).toBe(1);
  socket.destroy();
});
