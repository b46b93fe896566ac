import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { corkedUntilCheck } from '../../../src/emulator/relay/sockets.js';

// Requests for one listener arrive on many sender connections, each read in its own callback: the
// emulator corks the listener's socket until the loop's check phase, so all that one poll sends
// there leaves in one write (issue 12, relay HTTP; bench/profiles/relay-http.md).

function countingStream(): { stream: Duplex; writes: number[] } {
  const writes: number[] = [];
  const stream = new Duplex({
    read() {},
    write(_chunk, _encoding, done) {
      writes.push(1);
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.length);
      done();
    },
  });
  return { stream, writes };
}

const checkPhase = () => new Promise((resolve) => setImmediate(resolve));

describe('corkedUntilCheck', () => {
  it('sends what several callbacks of one turn write in one write, after the check phase', async () => {
    const { stream, writes } = countingStream();
    for (let i = 0; i < 3; i++) {
      // Each as its own callback would: a request frame and its body.
      await Promise.resolve();
      corkedUntilCheck(stream, () => {
        stream.write(`request ${i}`);
        stream.write('body');
      });
    }
    expect(writes).toEqual([]);
    await checkPhase();
    expect(writes).toEqual([6]);
    // The next turn is corked afresh.
    corkedUntilCheck(stream, () => stream.write('next'));
    await checkPhase();
    expect(writes).toEqual([6, 1]);
  });
});
