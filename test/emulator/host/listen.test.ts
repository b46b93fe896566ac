import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, type Listening } from '../../../src/emulator/host/listen.js';

// The host's listening half: routes served on a free port, a failing route answered with 500 while
// the server lives on, raw protocols and HTTP on one sniffing port, and a close that is idempotent.

let listening: Listening | undefined;
afterEach(() => listening?.close());

/** Sends bytes on a fresh connection and collects everything until the server closes it. */
function exchange(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      // HTTP keeps the connection: one full answer is enough.
      if (/\r\n\r\n/.test(answer) && answer.startsWith('HTTP/1.1 ')) socket.end();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

const UPGRADE = 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

describe('listen', () => {
  it('serves HTTP routes on a free port; a throwing or rejecting route is a 500 for that request only', async () => {
    const logged: string[] = [];
    listening = await listen({
      service: 'test',
      log: (line) => logged.push(line),
      routes: {
        request: async (req, res) => {
          if (req.url === '/boom') throw new Error('kaput');
          res.end('ok');
        },
        upgrade: () => {
          throw new Error('no upgrades today');
        },
      },
    });
    expect(listening.port).toBeGreaterThan(0);
    const base = `http://127.0.0.1:${listening.port}`;
    expect(await (await fetch(`${base}/`)).text()).toBe('ok');
    expect((await fetch(`${base}/boom`)).status).toBe(500);
    expect(await exchange(listening.port, UPGRADE)).toMatch(/^HTTP\/1\.1 500 /);
    expect(await (await fetch(`${base}/`)).text()).toBe('ok');
    expect(logged).toEqual(['test: HTTP handler failed: kaput', 'test: upgrade handler failed: no upgrades today']);
  });

  it('tells raw protocols, HTTP and unknown bytes apart on one sniffing port', async () => {
    listening = await listen({
      service: 'test',
      routes: {
        raw: [{ name: 'ping', matches: (prefix) => prefix.toString('latin1', 0, 4) === 'PING', serve: (stream, prefix) => stream.end(`PONG after ${prefix.length} bytes`) }],
        request: (_req, res) => void res.end('http'),
        unrecognised: (stream) => stream.end('WHAT'),
      },
    });
    expect(await exchange(listening.port, 'PING')).toBe('PONG after 4 bytes');
    expect(await exchange(listening.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 [^]*http$/);
    expect(await exchange(listening.port, Buffer.from([1, 2, 3, 4]))).toBe('WHAT');
  });

  it('closes once, ending open connections, however often close() is called', async () => {
    listening = await listen({ service: 'test', routes: { request: () => undefined } });
    const socket = connect(listening.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => undefined);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'); // a request the route never answers
    const first = listening.close();
    expect(listening.close()).toBe(first);
    await first;
    await ended;
    await expect(fetch(`http://127.0.0.1:${listening.port}/`)).rejects.toThrow();
  });
});
