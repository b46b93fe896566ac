import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BodyAbortedError, BodyStalledError, BodyTooLargeError, ByteBudget, readBody, readBodyChunks, type HeldBody, type HeldChunks } from '../../src/node/http-body.js';

// readBody against real HTTP requests: the per-request limit, the shared budget, release, a stalled
// or cut body, and a caller's own hold.

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function post(port: number, body: Buffer, chunked = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', method: 'POST', headers: chunked ? { 'transfer-encoding': 'chunked' } : {} }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('readBody', () => {
  it('reads a body within the limit and gives its budget back on release', async () => {
    const budget = new ByteBudget(1000);
    const held: HeldBody[] = [];
    const port = await serve(async (req, res) => {
      const body = await readBody(req, { maxBytes: 500, budget });
      held.push(body);
      res.end(String(body.bytes.length));
    });
    expect(await post(port, Buffer.alloc(400, 1))).toBe(200);
    expect(held[0]!.bytes.length).toBe(400);
    expect(budget.inUse).toBe(400);
    held[0]!.release();
    held[0]!.release();
    expect(budget.inUse).toBe(0);
  });

  it('refuses a body over the limit, by Content-Length and by counting a chunked one', async () => {
    const errors: unknown[] = [];
    const port = await serve(async (req, res) => {
      try {
        await readBody(req, { maxBytes: 100 });
        res.end();
      } catch (error) {
        errors.push(error);
        res.statusCode = (error as BodyTooLargeError).status;
        res.end();
      }
    });
    expect(await post(port, Buffer.alloc(101))).toBe(413);
    expect(await post(port, Buffer.alloc(5000), true)).toBe(413);
    expect(errors.every((error) => error instanceof BodyTooLargeError)).toBe(true);
  });

  it('refuses with 503 once the shared budget is spent, and frees it after a failure', async () => {
    const budget = new ByteBudget(1000);
    const held: HeldBody[] = [];
    const port = await serve(async (req, res) => {
      try {
        held.push(await readBody(req, { maxBytes: 800, budget }));
        res.end();
      } catch (error) {
        res.statusCode = (error as { status: number }).status;
        res.end();
      }
    });
    expect(await post(port, Buffer.alloc(700))).toBe(200);
    expect(await post(port, Buffer.alloc(700))).toBe(503);
    expect(budget.inUse).toBe(700);
    held[0]!.release();
    expect(await post(port, Buffer.alloc(700))).toBe(200);
  });

  it('charges a declared length before reading, and a stalled body gets 408 with the budget back', async () => {
    const budget = new ByteBudget(1000);
    const errors: unknown[] = [];
    let chargedBeforeData = -1;
    const port = await serve(async (req, res) => {
      const reading = readBody(req, { maxBytes: 800, budget, idleTimeoutMs: 50, afterRefusal: 'stop' });
      chargedBeforeData = budget.inUse;
      try {
        await reading;
      } catch (error) {
        errors.push(error);
        res.writeHead((error as BodyStalledError).status, { connection: 'close' }).end();
      }
    });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', method: 'POST', headers: { 'content-length': '600' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(10)); // then nothing more
    });
    expect(status).toBe(408);
    expect(chargedBeforeData).toBe(600);
    expect(errors[0]).toBeInstanceOf(BodyStalledError);
    expect(budget.inUse).toBe(0);
  });

  it("a sender hanging up mid-body is a 400 error; a caller's own hold keeps its overhead until the caller releases it", async () => {
    const budget = new ByteBudget(1000);
    const hold = budget.hold();
    hold.grow(100); // the caller's per-request overhead
    const failed = new Promise<unknown>((resolve) => {
      void serve((req) => {
        readBody(req, { maxBytes: 800, hold }).then(resolve, resolve);
      }).then((port) => {
        const req = request({ port, host: '127.0.0.1', method: 'POST', headers: { 'content-length': '600' } });
        req.on('error', () => undefined);
        req.write(Buffer.alloc(10));
        setTimeout(() => req.destroy(), 20);
      });
    });
    expect(await failed).toBeInstanceOf(BodyAbortedError);
    expect(budget.inUse).toBe(700);
    hold.release();
    expect(budget.inUse).toBe(0);
  });
});

describe('readBodyChunks', () => {
  it('keeps the chunks as they arrived (declared or chunked length), with the same limit and budget as readBody', async () => {
    const budget = new ByteBudget(10_000_000);
    const held: HeldChunks[] = [];
    const errors: unknown[] = [];
    const port = await serve(async (req, res) => {
      try {
        const body = await readBodyChunks(req, { maxBytes: 3_000_000, budget });
        held.push(body);
        res.end();
      } catch (error) {
        errors.push(error);
        res.statusCode = (error as BodyTooLargeError).status;
        res.end();
      }
    });
    const sent = Buffer.from(Array.from({ length: 2_000_000 }, (_, i) => i % 251));
    for (const chunked of [false, true]) {
      expect(await post(port, sent, chunked)).toBe(200);
      const body = held.at(-1)!;
      expect(body.length).toBe(sent.length);
      // A 2 MB body arrives in several reads; none was joined.
      expect(body.chunks.length).toBeGreaterThan(1);
      expect(Buffer.concat(body.chunks).equals(sent)).toBe(true);
      expect(budget.inUse).toBe(sent.length);
      body.release();
      expect(budget.inUse).toBe(0);
    }
    expect(await post(port, Buffer.alloc(3_000_001))).toBe(413);
    expect(await post(port, Buffer.alloc(3_000_001), true)).toBe(413);
    expect(errors.every((error) => error instanceof BodyTooLargeError)).toBe(true);
    expect(budget.inUse).toBe(0);
  });
});
