import fc from 'fast-check';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { CASES, LONG, recordResult } from './harness/budget.js';
import { COUNT_BOMBS, amqpValue, described, frame } from './harness/amqp-bytes.js';
import { bundle } from './harness/bundle.js';
import { EmulatorFixture } from './harness/fixture.js';
import { eventHubsWorks } from './harness/legit.js';
import { mutate, mutationsArb } from './harness/mutate.js';
import { sendRaw } from './harness/wire.js';

// AMQP frames and message sections, the two places the Event Hubs emulator decodes bytes a client
// chose. Structure walker + section decoder: in a worker with a 256 MB heap, so an allocation bomb
// is a recorded crash instead of a dead test runner. Frames: as the emulator drives rhea, i.e. sent
// to a running emulator (in its own process) behind a valid AMQP header.

describe('AMQP structure walker and message sections (walkValue, walkSequence, splitSections)', () => {
  it('arbitrary, structured, mutated and count-bomb input: sections or AmqpDecodeError, bounded time and heap', { timeout: LONG ? 1_800_000 : 60_000 }, async () => {
    const entry = await bundle('./sections-worker.ts', 'sections-worker');
    const shared = new SharedArrayBuffer(4 + 4096);
    const worker = new Worker(entry, { workerData: { cases: CASES, shared }, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    const outcome = await new Promise<{ numRuns: number; failed: boolean; report?: string; message?: string; crash?: string }>((resolve) => {
      worker.once('message', resolve);
      worker.once('error', (error: Error) => {
        const length = new Int32Array(shared, 0, 1)[0]!;
        const input = Buffer.from(new Uint8Array(shared, 4, length)).toString('hex');
        resolve({ numRuns: 0, failed: true, crash: `${error.message} on input ${input}` });
      });
    });
    await worker.terminate();
    const hang = /took \d+ ms/.test(outcome.message ?? '');
    recordResult({
      target: 'property: AMQP structure walker + message sections',
      cases: outcome.numRuns || CASES,
      crashes: outcome.failed && !hang ? 1 : 0,
      hangs: hang ? 1 : 0,
      letIn: 0,
      lost: 0,
      ...(outcome.failed ? { note: (outcome.crash ?? outcome.message ?? '').slice(0, 300) } : {}),
    });
    expect(outcome.crash ?? outcome.report ?? null).toBeNull();
  });
});

const SASL_HEADER = Buffer.from('AMQP\x03\x01\x00\x00', 'latin1');
const AMQP_HEADER = Buffer.from('AMQP\x00\x01\x00\x00', 'latin1');
// open (0x10): container-id "fuzz".
const OPEN = frame(Buffer.from([0x00, 0x53, 0x10, 0xc0, 0x07, 0x01, 0xa1, 0x04, ...Buffer.from('fuzz')]));
const PERFORMATIVES = [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18];
const SASL_PERFORMATIVES = [0x40, 0x41, 0x42, 0x43, 0x44];

/**
 * Whole client streams: a SASL exchange, or the AMQP header straight away (no SASL layer; the
 * emulator authorizes over $cbs) followed by open and structured, bomb or mutated frames. Not
 * both pipelined: the emulator ignores AMQP bytes sent before the sasl-outcome (see the report
 * in RESULTS.md), so frames pipelined behind SASL would never reach the decoder under test.
 */
const clientStream = fc.oneof(
  fc.array(described(SASL_PERFORMATIVES), { minLength: 1, maxLength: 2 }).map((bodies) => Buffer.concat([SASL_HEADER, ...bodies.map((body) => frame(body, 1))])),
  fc.array(fc.tuple(described(PERFORMATIVES), fc.nat({ max: 3 })), { minLength: 1, maxLength: 3 }).map((frames) => Buffer.concat([AMQP_HEADER, OPEN, ...frames.map(([body, channel]) => frame(body, 0, channel))])),
  // A bomb as the performative itself, or as its first field (the 35-byte `open` of finding 3).
  fc.tuple(fc.constantFrom(...PERFORMATIVES), fc.constantFrom(...COUNT_BOMBS), fc.boolean()).map(([code, bomb, asField]) =>
    Buffer.concat([AMQP_HEADER, frame(Buffer.concat([Buffer.from([0x00, 0x53, code]), asField ? Buffer.from([0xc0, bomb.length + 1, 0x01]) : Buffer.alloc(0), bomb]))]),
  ),
  fc.tuple(amqpValue, mutationsArb).map(([value, edits]) => Buffer.from(mutate(Buffer.concat([AMQP_HEADER, OPEN, frame(Buffer.concat([Buffer.from([0x00, 0x53, 0x11]), value]))]), edits))),
);

describe('AMQP frames as the emulator drives rhea', () => {
  const fixture = new EmulatorFixture({ eventhubs: {} });

  it('structured, bomb and mutated frames behind a valid header: the process lives, stays small, still serves', { timeout: LONG ? 1_800_000 : 60_000 }, async () => {
    // A network case costs a connection: a fifth of CASES in the short form, 20,000 in the long one.
    const count = LONG ? Math.min(CASES, 20_000) : Math.ceil(CASES / 5);
    const cases = fc.sample(clientStream, { seed: 303, numRuns: count });
    const port = Number(fixture.child.info.eventhubs.connectionString.match(/:(\d+)/)![1]);
    const inFlight = new Map<number, string>();
    let crashedDuring: string[] = [];
    await fixture.batch({
      target: 'property: AMQP frames (rhea via the emulator)',
      cases: count,
      attack: async (child) => {
        let next = 0;
        await Promise.all(
          Array.from({ length: 32 }, async () => {
            while (next < cases.length && !child.exited) {
              const index = next++;
              const bytes = cases[index]!;
              inFlight.set(index, bytes.toString('hex'));
              await sendRaw(port, '127.0.0.1', bytes, 0, 100);
              if (child.exited && crashedDuring.length === 0) crashedDuring = [...inFlight.values()].slice(0, 4);
              inFlight.delete(index);
            }
          }),
        );
        if (crashedDuring.length) return { note: `crashed with one of (hex): ${crashedDuring.join(' | ').slice(0, 250)}` };
      },
      legit: (child) => eventHubsWorks(child),
    });
  });
});
