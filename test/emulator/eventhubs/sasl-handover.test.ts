import { describe, expect, test } from 'vitest';
import { FrameGuard, type GuardAction } from '../../../src/emulator/eventhubs/frame-guard.js';
import { SaslHandover } from '../../../src/emulator/eventhubs/sasl-handover.js';
import type { SaslOutcome } from '../../../src/emulator/eventhubs/sasl.js';
import { AMQP_HEADER, SASL_HEADER, begin, described, frame, list, open } from './raw-amqp.js';

// The frame guard marks where the SASL layer ends; SaslHandover holds what follows until rhea has
// decided the SASL outcome (src/emulator/eventhubs/sasl-handover.ts).

const saslInit = frame(described(0x41, list(Buffer.from([0xa3, 9, ...Buffer.from('ANONYMOUS')]))), 0, 1);
const saslPart = Buffer.concat([SASL_HEADER, saslInit]);
const amqpPart = Buffer.concat([AMQP_HEADER, open(), begin()]);
const stream = Buffer.concat([saslPart, amqpPart]);

type Step = { bytes: Buffer } | { handover: true };
function steps(actions: GuardAction[]): Step[] {
  return actions.map((action) => (action.kind === 'sasl-handover' ? { handover: true as const } : { bytes: (action as { bytes: Buffer }).bytes }));
}

describe('frame guard: the end of the SASL layer', () => {
  test.each([1, 3, 8, 13, stream.length])('one sasl-handover, between the SASL frames and the AMQP header, whatever the chunking (%i bytes a chunk)', (step) => {
    const guard = new FrameGuard(65536);
    const seen: Step[] = [];
    for (let at = 0; at < stream.length; at += step) {
      const { actions, violation } = guard.push(stream.subarray(at, at + step));
      expect(violation).toBeUndefined();
      seen.push(...steps(actions));
    }
    const at = seen.findIndex((item) => 'handover' in item);
    expect(seen.filter((item) => 'handover' in item)).toHaveLength(1);
    const bytes = (items: Step[]) => Buffer.concat(items.map((item) => ('bytes' in item ? item.bytes : Buffer.alloc(0))));
    expect(bytes(seen.slice(0, at))).toEqual(saslPart);
    expect(bytes(seen.slice(at + 1))).toEqual(amqpPart);
  });

  test('no sasl-handover for a connection without SASL', () => {
    const { actions } = new FrameGuard(65536).push(amqpPart);
    expect(actions.map((action) => action.kind)).toEqual(['forward']);
  });
});

describe('SaslHandover', () => {
  function harness(outcome: () => SaslOutcome) {
    const log: string[] = [];
    const handover = new SaslHandover({
      outcome,
      act: (action) => log.push(action.kind === 'forward' ? action.bytes.toString('latin1') : action.kind),
      violate: (violation) => log.push(`violation ${violation.condition}`),
      stopped: () => log.some((line) => line.startsWith('violation')),
    });
    return { log, handover };
  }
  const forward = (text: string): GuardAction => ({ kind: 'forward', bytes: Buffer.from(text, 'latin1') });
  const nextImmediate = () => new Promise((resolve) => setImmediate(resolve));

  test('holds what follows the handover, later chunks too, and replays it in order once the outcome is ok', () => {
    let outcome: SaslOutcome = 'pending';
    const { log, handover } = harness(() => outcome);
    handover.take({ actions: [forward('sasl'), { kind: 'sasl-handover' }, forward('amqp-1')] });
    handover.take({ actions: [forward('amqp-2')] });
    expect(log).toEqual(['sasl']);
    outcome = 'ok';
    handover.take({ actions: [forward('amqp-3')] });
    expect(log).toEqual(['sasl', 'amqp-1', 'amqp-2', 'amqp-3']);
  });

  test('a violation found behind the handover waits its turn too', async () => {
    let outcome: SaslOutcome = 'pending';
    const { log, handover } = harness(() => outcome);
    handover.take({ actions: [{ kind: 'sasl-handover' }, forward('amqp')], violation: { phase: 'frames', condition: 'amqp:decode-error', description: 'x' } });
    expect(log).toEqual([]);
    outcome = 'ok';
    await nextImmediate();
    expect(log).toEqual(['amqp', 'violation amqp:decode-error']);
  });

  test('a refused outcome drops what followed and closes with unauthorized-access', async () => {
    let outcome: SaslOutcome = 'pending';
    const { log, handover } = harness(() => outcome);
    handover.take({ actions: [{ kind: 'sasl-handover' }, forward('amqp')] });
    outcome = 'refused';
    await nextImmediate();
    expect(log).toEqual(['violation amqp:unauthorized-access']);
  });

  test('an outcome still pending at the next setImmediate (no sasl-init was sent) closes with a framing error', async () => {
    const { log, handover } = harness(() => 'pending');
    handover.take({ actions: [{ kind: 'sasl-handover' }, forward('amqp')] });
    await nextImmediate();
    expect(log).toEqual(['violation amqp:connection:framing-error']);
  });
});
