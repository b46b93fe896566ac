import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ViewerHub } from '../../../src/emulator/dashboard/viewers.js';

// The live stream's bounds without sockets: a fake response whose buffer fills up on demand.
class FakeResponse extends EventEmitter {
  writableLength = 0;
  readonly written: string[] = [];
  writeHead(): this {
    return this;
  }
  write(chunk: string): boolean {
    this.written.push(chunk);
    return true;
  }
  destroy(): void {
    this.emit('close');
  }
}

function hub(picture: () => string, maxViewers = 2) {
  return new ViewerHub({ maxViewers, intervalMs: 60_000, maxBufferBytes: 1000, heartbeatMs: 60_000, picture, log: () => {} });
}

const snapshots = (res: FakeResponse) => res.written.filter((w) => w.startsWith('event: snapshot')).map((w) => w.slice('event: snapshot\ndata: '.length).trim());

describe('dashboard viewers', () => {
  it('sends the current picture at once, then only pictures that changed', () => {
    let state = 'a';
    const viewers = hub(() => state);
    const res = new FakeResponse();
    expect(viewers.add(res as unknown as ServerResponse)).toBe(true);
    viewers.tick();
    state = 'b';
    viewers.tick();
    viewers.tick();
    expect(snapshots(res)).toEqual(['a', 'b']);
    viewers.close();
  });

  it('refuses a viewer past the cap and takes one again once another left', () => {
    const viewers = hub(() => 'x', 2);
    const first = new FakeResponse();
    expect(viewers.add(first as unknown as ServerResponse)).toBe(true);
    expect(viewers.add(new FakeResponse() as unknown as ServerResponse)).toBe(true);
    const third = new FakeResponse();
    expect(viewers.add(third as unknown as ServerResponse)).toBe(false);
    expect(third.written).toEqual([]);
    first.emit('close');
    expect(viewers.size).toBe(1);
    expect(viewers.add(new FakeResponse() as unknown as ServerResponse)).toBe(true);
    viewers.close();
  });

  it('a viewer that does not read keeps only the newest picture, written when it drains', () => {
    let state = 0;
    const viewers = hub(() => String(state));
    const slow = new FakeResponse();
    const fast = new FakeResponse();
    viewers.add(slow as unknown as ServerResponse);
    viewers.add(fast as unknown as ServerResponse);
    slow.writableLength = 5000; // past maxBufferBytes: the socket is not being read
    for (state = 1; state <= 50; state++) viewers.tick();
    expect(snapshots(slow)).toEqual(['0']);
    expect(snapshots(fast)).toHaveLength(51);
    slow.writableLength = 0;
    slow.emit('drain');
    expect(snapshots(slow)).toEqual(['0', '50']);
    viewers.close();
  });

  it('stops taking pictures when nobody watches', () => {
    let taken = 0;
    const viewers = hub(() => String(++taken));
    viewers.tick();
    expect(taken).toBe(0);
    const res = new FakeResponse();
    viewers.add(res as unknown as ServerResponse);
    res.emit('close');
    viewers.tick();
    expect(taken).toBe(1);
  });
});
