import { describe, expect, test } from 'vitest';
import { FrameGuard } from '../../../src/emulator/eventhubs/frame-guard.js';

const header = (id: number) => Buffer.from([0x41, 0x4d, 0x51, 0x50, id, 1, 0, 0]);
function frame(size: number, doff = 2, type = 0): Buffer {
  const bytes = Buffer.alloc(Math.max(size, 8));
  bytes.writeUInt32BE(size, 0);
  bytes[4] = doff;
  bytes[5] = type;
  // A well-formed performative (an empty `open`) where the body has room for one.
  if (doff * 4 + 4 <= size) Buffer.from([0x00, 0x53, 0x10, 0x45]).copy(bytes, doff * 4);
  return bytes;
}

describe('frame guard', () => {
  test('accepts SASL then AMQP headers and frames split across any chunking', () => {
    const stream = Buffer.concat([header(3), frame(20, 2, 1), header(0), frame(64), frame(8)]);
    for (const step of [1, 3, 7, stream.length]) {
      const guard = new FrameGuard(65536);
      for (let at = 0; at < stream.length; at += step) expect(guard.check(stream.subarray(at, at + step))).toBeUndefined();
    }
  });

  test.each([
    ['no header', frame(16), 'header'],
    ['unknown protocol id', header(2), 'header'],
    ['frame too small', Buffer.concat([header(0), frame(4)]), 'frames'],
    ['frame above max-frame-size', Buffer.concat([header(0), frame(70000)]), 'frames'],
    ['data offset below 8 bytes', Buffer.concat([header(0), frame(16, 1)]), 'frames'],
    ['data offset past the frame', Buffer.concat([header(0), frame(16, 5)]), 'frames'],
    ['unknown frame type', Buffer.concat([header(0), frame(16, 2, 7)]), 'frames'],
  ])('flags %s', (_name, bytes, phase) => {
    expect(new FrameGuard(65536).check(bytes)?.phase).toBe(phase);
  });
});
