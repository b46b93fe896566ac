import { describe, expect, test } from 'vitest';
import { FrameGuard, type GuardResult } from '../../../src/emulator/eventhubs/frame-guard.js';

// Frames that span socket reads are assembled in reused buffers (src/emulator/eventhubs/frame-guard.ts):
// a raw delivery's transfer goes on as a view of them (rhea and the producer link copy its bytes as
// they read it); anything that may be kept past the chunk (a format-0 delivery's frames, which rhea
// and the transfer tracker hold until the delivery completes; frames waiting for the SASL outcome)
// goes on as a copy.

const BATCH_FORMAT = 0x80013700;
const amqpHeader = (id: number) => Buffer.from([0x41, 0x4d, 0x51, 0x50, id, 1, 0, 0]);

/** A transfer frame on channel 0, handle 0: first frames carry delivery-id and format, continuations neither. */
function transfer(payloadBytes: number | Buffer, fill: number, { first, more, format }: { first: boolean; more: boolean; format: number }): Buffer {
  const formatField = format === 0 ? [0x43] : [0x70, ...uint32(format)];
  const fields = first ? [0x43, 0x52, fill, 0xa0, 1, fill, ...formatField, 0x42, more ? 0x41 : 0x42] : [0x43, 0x40, 0x40, 0x40, 0x40, more ? 0x41 : 0x42];
  const performative = Buffer.from([0x00, 0x53, 0x14, 0xc0, fields.length + 1, 6, ...fields]);
  const payload = typeof payloadBytes === 'number' ? Buffer.alloc(payloadBytes, fill) : payloadBytes;
  const frame = Buffer.concat([Buffer.alloc(8), performative, payload]);
  frame.writeUInt32BE(frame.length, 0);
  frame[4] = 2;
  return frame;
}

function uint32(value: number): number[] {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

/** Three deliveries of one 20 KB data section each, in two frames (above the 4 KB that Buffer.concat takes from its pool). */
function deliveries(format: number): Buffer {
  const frames: Buffer[] = [];
  for (const fill of [1, 2, 3]) {
    const message = Buffer.alloc(20_000, fill);
    message.set([0x00, 0x53, 0x75, 0xb0, ...uint32(20_000 - 8)]);
    frames.push(transfer(message.subarray(0, 10_000), fill, { first: true, more: true, format }), transfer(message.subarray(10_000), fill, { first: false, more: false, format }));
  }
  return Buffer.concat(frames);
}

function forwarded(result: GuardResult): Buffer[] {
  expect(result.violation).toBeUndefined();
  return result.actions.flatMap((action) => (action.kind === 'forward' ? [action.bytes] : []));
}

describe('frames assembled across chunks', () => {
  test('a raw delivery goes on intact, assembled in reused memory', () => {
    const guard = new FrameGuard(65536);
    const stream = Buffer.concat([amqpHeader(0), deliveries(BATCH_FORMAT)]);
    const read: Buffer[] = [];
    const memory = new Set<ArrayBufferLike>();
    for (let at = 0; at < stream.length; at += 7000) {
      for (const bytes of forwarded(guard.push(stream.subarray(at, at + 7000)))) {
        // Read as rhea does, before the next chunk arrives.
        read.push(Buffer.from(bytes));
        if (bytes.length > 7000) memory.add(bytes.buffer);
      }
    }
    expect(Buffer.concat(read).equals(stream)).toBe(true);
    // Six frames each spanning chunks, in two buffers used in turn (a new one for each before).
    expect(memory.size).toBe(2);
  });

  test('a format-0 delivery goes on as copies that stay intact after later chunks', () => {
    const guard = new FrameGuard(65536);
    const stream = Buffer.concat([amqpHeader(0), deliveries(0), deliveries(BATCH_FORMAT)]);
    const kept: Buffer[] = [];
    for (let at = 0; at < stream.length; at += 7000) kept.push(...forwarded(guard.push(stream.subarray(at, at + 7000))));
    // Only the format-0 part is checked after the fact: rhea keeps those frames until the delivery completes.
    const formatZero = deliveries(0).length + 8;
    expect(Buffer.concat(kept).subarray(0, formatZero).equals(stream.subarray(0, formatZero))).toBe(true);
  });

  test('a raw transfer completed in the chunk after the SASL handover goes on as a copy', () => {
    const guard = new FrameGuard(65536);
    // SASL header and a SASL frame (an empty sasl-init list), then the AMQP header in the same chunk.
    const saslFrame = Buffer.from([0, 0, 0, 12, 2, 1, 0, 0, 0x00, 0x53, 0x41, 0x45]);
    const opening = Buffer.concat([amqpHeader(3), saslFrame, amqpHeader(0)]);
    const raw = transfer(10_000, 5, { first: true, more: false, format: BATCH_FORMAT });
    const first = guard.push(Buffer.concat([opening, raw.subarray(0, 4000)]));
    expect(first.actions.some((action) => action.kind === 'sasl-handover')).toBe(true);
    // What follows a handover may wait for rhea's SASL outcome while later chunks arrive.
    const [completed] = forwarded(guard.push(raw.subarray(4000)));
    const next = transfer(10_000, 6, { first: true, more: false, format: BATCH_FORMAT });
    guard.push(next.subarray(0, 9000));
    guard.push(Buffer.concat([next.subarray(9000), transfer(10_000, 7, { first: true, more: false, format: BATCH_FORMAT }).subarray(0, 9000)]));
    expect(completed!.equals(raw)).toBe(true);
  });

  test('a connection quiet between frames holds no assembly memory', () => {
    const guard = new FrameGuard(65536);
    const stream = Buffer.concat([amqpHeader(0), deliveries(BATCH_FORMAT)]);
    const cut = stream.length - 5000;
    guard.push(stream.subarray(0, cut));
    // Mid-frame: the held part is kept, bounded by max-frame-size.
    expect(guard.assemblyBytes).toBeGreaterThan(0);
    expect(guard.assemblyBytes).toBeLessThanOrEqual(2 * 65536);
    forwarded(guard.push(stream.subarray(cut)));
    expect(guard.assemblyBytes).toBe(0);
  });
});
