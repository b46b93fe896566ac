import { amqpTypes, annotationValue, SECTION, splitSections } from './amqp-sections.js';
import type { NewEvent } from './log/memory-log.js';

// Idempotent publishing (docs/protocol/eventhubs.md §5, low priority, **[U]** in its error conditions): the client
// asks for `com.microsoft:idempotent-producer` on a partition sender and sends producer-epoch,
// producer-id and producer-sequence-number as link properties (null or absent = "assign");
// the attach answer carries all three; each event carries its sequence number as an annotation.
// A batch whose first number was already stored is a retry: accepted, not stored again.

export const IDEMPOTENT_CAPABILITY = 'com.microsoft:idempotent-producer';
const EPOCH = 'com.microsoft:producer-epoch';
const PRODUCER_ID = 'com.microsoft:producer-id';
const SEQUENCE = 'com.microsoft:producer-sequence-number';

interface ProducerState {
  epoch: number;
  lastSequence: number;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE(0));
  return undefined;
}

export type IdempotentVerdict = { kind: 'store' } | { kind: 'duplicate' } | { kind: 'reject'; condition: string; description: string };

export class IdempotentProducers {
  private readonly states = new Map<string, ProducerState>();
  private nextProducerId = 1;

  /** Resolves the link properties for an attach; returns what to answer with. */
  attach(partitionKey: string, requested: Record<string, unknown> | undefined): { producerId: number; epoch: number; sequence: number } {
    const producerId = numberOf(requested?.[PRODUCER_ID]) ?? this.nextProducerId++;
    this.nextProducerId = Math.max(this.nextProducerId, producerId + 1);
    const key = `${partitionKey}|${producerId}`;
    const state = this.states.get(key) ?? { epoch: 0, lastSequence: -1 };
    const epoch = numberOf(requested?.[EPOCH]) ?? state.epoch;
    const sequence = numberOf(requested?.[SEQUENCE]) ?? state.lastSequence;
    this.states.set(key, { epoch: Math.max(epoch, state.epoch), lastSequence: Math.max(sequence, state.lastSequence) });
    return { producerId, epoch, sequence: Math.max(sequence, state.lastSequence) };
  }

  judge(partitionKey: string, producerId: number, events: NewEvent[]): IdempotentVerdict {
    const numbers = events.map((event) => {
      const annotations = splitSections(Buffer.from(event.message)).find((section) => section.code === SECTION.messageAnnotations);
      return numberOf(annotationValue(annotations, SEQUENCE));
    });
    const first = numbers[0];
    const state = this.states.get(`${partitionKey}|${producerId}`)!;
    if (first === undefined || numbers.some((n, index) => n !== first + index)) {
      return { kind: 'reject', condition: 'amqp:invalid-field', description: `Every event from an idempotent producer needs consecutive '${SEQUENCE}' annotations.` };
    }
    if (first <= state.lastSequence) return { kind: 'duplicate' };
    if (first !== state.lastSequence + 1) {
      return {
        kind: 'reject',
        condition: 'com.microsoft:out-of-order-sequence',
        description: `The producer sequence number ${first} is out of order; expected ${state.lastSequence + 1}.`,
      };
    }
    state.lastSequence = first + events.length - 1;
    return { kind: 'store' };
  }

  static linkProperties(answer: { producerId: number; epoch: number; sequence: number }): Record<string, unknown> {
    return {
      [EPOCH]: (amqpTypes as unknown as { wrap_short(value: number): unknown }).wrap_short(answer.epoch),
      [PRODUCER_ID]: amqpTypes.wrap_long(answer.producerId),
      [SEQUENCE]: amqpTypes.wrap_int(answer.sequence),
    };
  }
}
