import rhea from 'rhea';
import { describe, expect, test } from 'vitest';
import { IdempotentProducers } from '../../../src/emulator/eventhubs/idempotent.js';

const event = (sequence: number) => ({
  message: new Uint8Array(
    rhea.message.encode({ body: `e${sequence}`, message_annotations: { 'com.microsoft:producer-sequence-number': rhea.types.wrap_int(sequence) } }),
  ),
});

describe('idempotent producers', () => {
  test('a new producer gets an id and sequence -1; the next batch must start at 0', () => {
    const producers = new IdempotentProducers();
    const answer = producers.attach('hub/0', {});
    expect(answer).toEqual({ producerId: 1, epoch: 0, sequence: -1 });
    expect(producers.judge('hub/0', 1, [event(0), event(1)])).toEqual({ kind: 'store' });
    expect(producers.judge('hub/0', 1, [event(0), event(1)])).toEqual({ kind: 'duplicate' });
    expect(producers.judge('hub/0', 1, [event(5)])).toMatchObject({ kind: 'reject', condition: 'com.microsoft:out-of-order-sequence' });
    expect(producers.judge('hub/0', 1, [event(2), event(4)])).toMatchObject({ kind: 'reject', condition: 'amqp:invalid-field' });
    expect(producers.judge('hub/0', 1, [event(2)])).toEqual({ kind: 'store' });
  });

  test('re-attaching with the same producer id continues after the last stored number', () => {
    const producers = new IdempotentProducers();
    const { producerId } = producers.attach('hub/1', {});
    producers.judge('hub/1', producerId, [event(0), event(1), event(2)]);
    expect(producers.attach('hub/1', { 'com.microsoft:producer-id': producerId }).sequence).toBe(2);
    expect(producers.attach('hub/2', {}).producerId).toBe(producerId + 1);
  });
});
