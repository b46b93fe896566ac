import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelayEmulator } from '../../../src/emulator/relay/index.js';
import { httpBase, rawListener, startEmulator, token } from './helpers.js';

// Issue 10 findings 8 and 13: HTTP bodies held by the emulator share one budget (a request past
// it is refused unread with 503, its memory comes back on answer, abort or timeout), and a
// listener's status must be a final HTTP status.
const KiB = 1024;
let emulator: RunningRelayEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ httpTimeoutMs: 600, httpBodyLimitBytes: 700 * KiB, httpBodyBudgetBytes: 1024 * KiB });
});
afterAll(() => emulator.close());

async function post(path: string, bytes: number): Promise<Response> {
  return fetch(`${httpBase(emulator)}/${path}`, { method: 'POST', body: new Uint8Array(bytes), headers: { ServiceBusAuthorization: await token({ path }) } });
}

/** A POST whose body is streamed in chunks without Content-Length; resolves with the status. */
async function chunkedPost(path: string, chunks: number, chunkBytes: number): Promise<number> {
  const auth = await token({ path });
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${httpBase(emulator)}/${path}`, { method: 'POST', headers: { ServiceBusAuthorization: auth } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < chunks) {
        sent++;
        if (!req.write(Buffer.alloc(chunkBytes)) && sent < chunks) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('HTTP body budget', () => {
  it('413 for a body past the per-request limit, before it is read', async () => {
    const listener = await rawListener(emulator, 'limit');
    expect((await post('limit', 800 * KiB)).status).toBe(413);
    listener.socket.terminate();
  });

  it('503 with Retry-After past the budget while a listener sits on the first request; 504 frees it again', async () => {
    const listener = await rawListener(emulator, 'hoard');
    const first = post('hoard', 600 * KiB);
    await listener.frames.nextJson(); // the first request is in flight and holds 600 KiB
    const second = await post('hoard', 600 * KiB);
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(second.headers.get('via')).toBeNull();
    expect(await chunkedPost('hoard', 10, 64 * KiB)).toBe(503);
    expect((await first).status).toBe(504);
    // The deadline gave the budget back: the same request now reaches the listener.
    const third = post('hoard', 600 * KiB);
    expect((await listener.frames.nextJson()).request).toBeDefined();
    expect((await third).status).toBe(504);
    listener.socket.terminate();
  });

  it('a sender that hangs up mid-body gives its share back', async () => {
    const listener = await rawListener(emulator, 'quitter');
    const auth = await token({ path: 'quitter' });
    const req = httpRequest(`${httpBase(emulator)}/quitter`, { method: 'POST', headers: { ServiceBusAuthorization: auth, 'Content-Length': String(600 * KiB) } });
    req.on('error', () => {});
    req.write(Buffer.alloc(64 * KiB));
    await new Promise((resolve) => setTimeout(resolve, 50));
    req.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = post('quitter', 600 * KiB);
    expect((await listener.frames.nextJson()).request).toBeDefined();
    expect((await next).status).toBe(504);
    listener.socket.terminate();
  });
});

describe('a body that stalls', () => {
  it('gets 408 after httpTimeoutMs without data, and its declared length goes back to the budget', async () => {
    const listener = await rawListener(emulator, 'staller');
    const auth = await token({ path: 'staller' });
    const status = new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${httpBase(emulator)}/staller`, { method: 'POST', headers: { ServiceBusAuthorization: auth, 'Content-Length': String(600 * KiB) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(10 * KiB)); // then nothing more
    });
    expect(await status).toBe(408);
    const next = post('staller', 600 * KiB);
    expect((await listener.frames.nextJson()).request).toBeDefined();
    expect((await next).status).toBe(504);
    listener.socket.terminate();
  });
});

describe('a listener that stops reading', () => {
  it('is closed once more than listenerBacklogBytes is queued towards it; its requests get 502', async () => {
    const deafEmulator = await startEmulator({ listenerBacklogBytes: 256 * KiB, httpTimeoutMs: 10_000 });
    try {
      const base = `http://127.0.0.1:${deafEmulator.port}`;
      const listener = await rawListener(deafEmulator, 'deaf');
      listener.socket.pause();
      const headers = { ServiceBusAuthorization: await token({ path: 'deaf' }) };
      // 60 kB bodies travel on the control channel; 300 of them (18 MB) outgrow any socket buffer.
      const statuses = Array.from({ length: 300 }, () => fetch(`${base}/deaf`, { method: 'POST', body: new Uint8Array(60 * KiB), headers }).then((r) => r.status));
      expect(new Set(await Promise.all(statuses))).toEqual(new Set([502]));
      expect(deafEmulator.listenerCount('deaf')).toBe(0);
      listener.socket.terminate();
    } finally {
      await deafEmulator.close();
    }
  });
});

describe('listener statuses', () => {
  for (const status of [100, 101, 103, 199, 600, 999]) {
    it(`${status} from the listener is not passed on as a final response: 502`, async () => {
      const path = `status-${status}`;
      const listener = await rawListener(emulator, path);
      const pending = fetch(`${httpBase(emulator)}/${path}`, { headers: { ServiceBusAuthorization: await token({ path }) } });
      const { request } = await listener.frames.nextJson();
      listener.socket.send(JSON.stringify({ response: { requestId: request.id, statusCode: status, responseHeaders: {}, body: true } }));
      listener.socket.send(Buffer.from('interim?'), { binary: true });
      const response = await pending;
      expect(response.status).toBe(502);
      expect(response.headers.get('via')).toBeNull();
      // The listener keeps its channel.
      expect(emulator.listenerCount(path)).toBe(1);
      listener.socket.terminate();
    });
  }

  it('200 and 599 pass', async () => {
    const listener = await rawListener(emulator, 'status-ok');
    for (const status of [200, 599]) {
      const pending = fetch(`${httpBase(emulator)}/status-ok`, { headers: { ServiceBusAuthorization: await token({ path: 'status-ok' }) } });
      const { request } = await listener.frames.nextJson();
      listener.socket.send(JSON.stringify({ response: { requestId: request.id, statusCode: status, responseHeaders: {}, body: false } }));
      expect((await pending).status).toBe(status);
    }
    listener.socket.terminate();
  });
});
